/* libFuzzer target: one JSON-RPC request line through the full handler
 * (envelope, every method, job.submit decoding) of a daemon with one null
 * NIC and a temporary state directory; the response must be valid JSON. */
#include "core.h"
#include "jobs.h"
#include "rpc.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static char state_dir[] = "/tmp/scand-fuzz-XXXXXX";

static void remove_state(void)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	if (system(cmd) != 0)
		return;
}

static struct daemon *daemon_once(void)
{
	static struct daemon *d;
	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	config_defaults(&d->cfg);
	if (!mkdtemp(state_dir))
		abort();
	atexit(remove_state);
	snprintf(d->cfg.state_dir, sizeof(d->cfg.state_dir), "%s", state_dir);
	d->cfg.max_queued_jobs = 4;
	d->cfg.nnics = 1;
	snprintf(d->cfg.nics[0].name, sizeof(d->cfg.nics[0].name), "n0");
	d->cfg.nics[0].engine = ENGINE_NULL;
	d->cfg.has_source_ip = true;
	ipaddr_parse("198.18.0.100", &d->cfg.source_ip);
	cidr_list_init(&d->blocklist);
	cidr_list_init(&d->allow);
	cidr_list_add(&d->allow, "198.18.0.0/15", NULL);
	cidr_list_normalize(&d->allow);
	if (daemon_core_init(d, NULL) < 0)
		abort();
	return d;
}

static bool well_formed(const cJSON *r)
{
	return cJSON_IsObject(r) && (cJSON_GetObjectItem(r, "result") || cJSON_GetObjectItem(r, "error"));
}

/* A valid request object without id, or a non-empty array of them. */
static bool only_notifications(const char *data, size_t size)
{
	cJSON *q = cJSON_ParseWithLength(data, size), *it;
	bool ok = q && (cJSON_IsObject(q) || (cJSON_IsArray(q) && cJSON_GetArraySize(q) > 0));
	if (ok && cJSON_IsObject(q))
		ok = !cJSON_GetObjectItemCaseSensitive(q, "id");
	cJSON_ArrayForEach(it, ((ok && cJSON_IsArray(q)) ? q : NULL))
		ok = ok && cJSON_IsObject(it) && !cJSON_GetObjectItemCaseSensitive(it, "id");
	cJSON_Delete(q);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon *d = daemon_once();
	char *out = rpc_handle(d, NULL, (const char *)data, size);
	if (!out) { /* no reply: only for notifications, alone or in a batch */
		if (!only_notifications((const char *)data, size))
			abort();
		jobs_drain(d->jobs);
		return 0;
	}
	cJSON *r = cJSON_Parse(out), *it;
	if (!r || !(cJSON_IsArray(r) ? cJSON_GetArraySize(r) > 0 : well_formed(r)))
		abort(); /* every request gets a well-formed response */
	cJSON_ArrayForEach(it, (cJSON_IsArray(r) ? r : NULL))
		if (!well_formed(it))
			abort(); /* ... and every reply of a batch too */
	if (!utf8_valid(out, strlen(out)))
		abort(); /* ... in valid UTF-8, however the client's text was cut */
	cJSON_Delete(r);
	free(out);
	jobs_drain(d->jobs); /* let accepted jobs progress and finish */
	return 0;
}
