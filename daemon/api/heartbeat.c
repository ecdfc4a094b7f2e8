/* heartbeat (see heartbeat.h). */
#include "heartbeat.h"
#include "registry.h"
#include "clock.h"
#include "log.h"
#include "report.h"
#include "scand-config.h"

#include <math.h>
#include <string.h>

cJSON *heartbeat_features(void)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddBoolToObject(f, "af_xdp", engine_lookup(ENGINE_AF_XDP) != NULL);
	cJSON_AddBoolToObject(f, "dpdk", engine_lookup(ENGINE_DPDK) != NULL);
	cJSON_AddBoolToObject(f, "systemd", HAVE_SYSTEMD);
	cJSON_AddBoolToObject(f, "numa", HAVE_NUMA);
	return f;
}

/* {"queued": N, "running": N, ...}: every state, 0 included. */
static cJSON *jobs_by_state(const struct jobs *js)
{
	unsigned n[16] = { 0 };
	int ns = 0;
	cJSON *o = cJSON_CreateObject();
	while (ns < 16 && strcmp(job_state_name((enum job_state)ns), "?") != 0)
		ns++;
	for (const struct job *j = jobs_first(js); j; j = j->next)
		if ((int)j->state < ns)
			n[j->state]++;
	for (int s = 0; s < ns; s++)
		cJSON_AddNumberToObject(o, job_state_name((enum job_state)s), n[s]);
	return o;
}

static cJSON *last_error(void)
{
	char msg[1024], at[40];
	uint64_t ms;
	if (!log_last_error(msg, sizeof(msg), &ms))
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	clock_iso8601_ms(ms, at, sizeof(at));
	cJSON_AddStringToObject(o, "at", at);
	cJSON_AddStringToObject(o, "message", msg);
	return o;
}

cJSON *heartbeat_json(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *e;
	struct jobs_rate jr;
	unsigned up = 0;
	for (unsigned i = 0; i < d->nics.n; i++)
		up += d->nics.nic[i].up;
	jobs_rate(d->jobs, &jr);
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddStringToObject(o, "version", SCAND_VERSION);
	cJSON_AddItemToObject(o, "features", heartbeat_features());
	e = cJSON_AddArrayToObject(o, "engines");
	for (const char *const *n = engine_compiled(); *n; n++)
		cJSON_AddItemToArray(e, cJSON_CreateString(*n));
	cJSON_AddNumberToObject(o, "uptime_s", floor(daemon_uptime(d)));
	cJSON_AddItemToObject(o, "jobs", jobs_by_state(d->jobs));
	cJSON_AddNumberToObject(o, "nics_up", up);
	cJSON_AddNumberToObject(o, "nics", d->nics.n);
	cJSON_AddNumberToObject(o, "pps", floor(telemetry_tx_pps(&d->tel, &d->nics) + 0.5));
	/* the same sum as telemetry.get's rate.target */
	cJSON_AddNumberToObject(o, "rate_pps", (double)jr.target);
	cJSON_AddStringToObject(o, "pressure", pressure_name(jr.pressure));
	cJSON_AddItemToObject(o, "state_dir", report_state_dir(d));
	cJSON_AddItemToObject(o, "last_error", last_error());
	return o;
}
