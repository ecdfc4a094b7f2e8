/* Reports (see report.h). */
#include "report.h"
#include "output.h"
#include "promjobs.h"
#include "probe_module.h"
#include "statefile.h"

#include <errno.h>
#include <stdlib.h>

cJSON *report_telemetry(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *nics = cJSON_AddArrayToObject(o, "nics"), *rate;
	struct jobs_rate jr;
	for (unsigned i = 0; i < d->nics.n; i++) {
		cJSON *n = telemetry_nic_json(&d->tel, &d->nics.nic[i]);
		cJSON_AddNumberToObject(n, "rate_target_pps", (double)jobs_nic_rate(d->jobs, &d->nics.nic[i]));
		cJSON_AddItemToArray(nics, n);
	}
	jobs_rate(d->jobs, &jr);
	rate = cJSON_AddObjectToObject(o, "rate");
	cJSON_AddNumberToObject(rate, "target", (double)jr.target);
	cJSON_AddNumberToObject(rate, "ceiling", (double)jr.ceiling);
	cJSON_AddStringToObject(rate, "pressure", pressure_name(jr.pressure));
	cJSON_AddNumberToObject(rate, "cuts", (double)jr.cuts);
	cJSON_AddNumberToObject(rate, "current", telemetry_tx_pps(&d->tel, &d->nics));
	cJSON_AddItemToObject(o, "state_dir", report_state_dir(d));
	cJSON_AddNumberToObject(o, "ring_drops", (double)jobs_ring_drops(d->jobs));
	return o;
}

cJSON *report_probe_modules(void)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < PROBE_NMODULES; i++) {
		const struct probe_module *m = probe_module_get((enum probe_module_id)i);
		cJSON *o = cJSON_CreateObject(), *f = cJSON_CreateArray(), *st = cJSON_CreateArray();
		cJSON_AddStringToObject(o, "name", m->name);
		cJSON_AddStringToObject(o, "summary", m->summary);
		cJSON_AddBoolToObject(o, "ports", m->ports);
		for (unsigned k = 0; k < m->nfields; k++)
			cJSON_AddItemToArray(f, cJSON_CreateString(m->fields[k].name));
		cJSON_AddItemToObject(o, "fields", f);
		for (uint8_t s = 1; s < REPLY_NSTATUS; s++)
			if (m->statuses & (1u << s))
				cJSON_AddItemToArray(st, cJSON_CreateString(reply_status_name(s)));
		cJSON_AddItemToObject(o, "statuses", st);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *report_state_dir(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t used, avail;
	jobs_disk(d->jobs, &used, &avail);
	cJSON_AddStringToObject(o, "path", d->cfg.state_dir);
	cJSON_AddNumberToObject(o, "used_bytes", (double)used);
	cJSON_AddNumberToObject(o, "free_bytes", (double)avail);
	return o;
}

void report_status_line(struct daemon *d, char *buf, size_t len)
{
	unsigned running, queued;
	size_t off;
	jobs_counts(d->jobs, &running, &queued);
	off = (size_t)snprintf(buf, len, "%u job%s running, %u queued, %.0fk pps", running,
			       running == 1 ? "" : "s", queued, telemetry_tx_pps(&d->tel, &d->nics) / 1e3);
	for (unsigned i = 0; i < d->nics.n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ", %s %s%.0fk", d->nics.nic[i].conf.name,
					d->nics.nic[i].up ? "" : "FAILED ", telemetry_nic(&d->tel, &d->nics.nic[i])->tx_pps / 1e3);
}

static void prom_state_dir(struct daemon *d, FILE *f)
{
	uint64_t used, avail;
	jobs_disk(d->jobs, &used, &avail);
	fprintf(f, "# HELP scand_state_dir_used_bytes Bytes under state_dir/jobs.\n"
		   "# TYPE scand_state_dir_used_bytes gauge\nscand_state_dir_used_bytes %llu\n"
		   "# HELP scand_state_dir_free_bytes Bytes free in state_dir's filesystem.\n"
		   "# TYPE scand_state_dir_free_bytes gauge\nscand_state_dir_free_bytes %llu\n",
		(unsigned long long)used, (unsigned long long)avail);
}

int report_prometheus(struct daemon *d)
{
	char *buf = NULL;
	size_t len = 0;
	int r;
	if (!d->cfg.prometheus_textfile[0])
		return 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	telemetry_prometheus(&d->tel, &d->nics, f);
	promjobs_write(d, f);
	prom_state_dir(d, f);
	fclose(f);
	r = statefile_write(d->cfg.prometheus_textfile, buf, len);
	free(buf);
	return r;
}
