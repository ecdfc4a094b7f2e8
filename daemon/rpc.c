/* JSON-RPC 2.0 framing and method dispatch (see rpc.h). Method bodies stay
 * thin: jobs.c and telemetry own the data. */
#include "rpc.h"
#include "control.h"
#include "jobview.h"
#include "report.h"
#include "clock.h"
#include "utf8.h"
#include "prepare.h"
#include "scand-config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cJSON *(*rpc_method)(struct daemon *d, struct control_client *c, const cJSON *params,
			     struct rpc_error *err);

static int get_u64(const cJSON *params, const char *k, uint64_t def, uint64_t max, uint64_t *out,
		   struct rpc_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, k);
	if (!v)
		return *out = def, 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max ||
	    floor(v->valuedouble) != v->valuedouble)
		return rpc_error_set(err, RPC_INVALID_PARAMS, k,
				     "%s must be an integer between 0 and %llu", k,
				     (unsigned long long)max);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static struct job *get_job(struct daemon *d, const cJSON *params, struct rpc_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "job_id");
	struct job *j;
	if (!v)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "job_id", "job_id is required"), NULL;
	if (!cJSON_IsString(v))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "job_id", "job_id must be a string"),
		       NULL;
	if (!(j = jobs_find(d->jobs, v->valuestring)))
		rpc_error_set(err, RPC_NOT_FOUND, "job_id",
			      "no job \"%.40s\"; list jobs with `scanctl jobs`", v->valuestring);
	return j;
}

/* Methods whose only parameter is job_id. */
static struct job *job_only(struct daemon *d, const cJSON *p, struct rpc_error *err)
{
	if (rpc_check_fields(p, (const char *const[]){ "job_id", NULL }, err) < 0)
		return NULL;
	return get_job(d, p, err);
}

static void add_mac(cJSON *o, const char *k, const uint8_t *m)
{
	char buf[18];
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	cJSON_AddStringToObject(o, k, buf);
}

static void add_addr(cJSON *o, const char *k, const struct ipaddr *a)
{
	char buf[64];
	if (a->af)
		cJSON_AddStringToObject(o, k, ipaddr_str(a, buf, sizeof(buf)));
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *nic_info(const struct daemon *d, const struct nic *n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", n->conf.name);
	cJSON_AddStringToObject(o, "engine", engine_kind_name(n->conf.engine));
	cJSON_AddStringToObject(o, "state", n->up ? "up" : "failed");
	cJSON_AddStringToObject(o, "mode", n->up ? n->eng.mode : "");
	cJSON_AddNumberToObject(o, "queues", n->up ? n->eng.nqueues : 0);
	cJSON_AddNumberToObject(o, "numa_node", n->eng.numa_node);
	cJSON_AddNumberToObject(o, "mtu", n->eng.mtu);
	add_mac(o, "mac", n->eng.mac);
	add_addr(o, "source_ip", &n->src4);
	add_addr(o, "source_ip6", &n->src6);
	if (n->up)
		cJSON_AddNullToObject(o, "error");
	else
		cJSON_AddStringToObject(o, "error", n->error);
	cJSON_AddStringToObject(o, "notes", n->eng.notes);
	cJSON_AddItemToObject(o, "preparation", prepare_report_nic(d->cfg.state_dir, n->conf.name));
	cJSON *cores = cJSON_AddArrayToObject(o, "worker_cores");
	for (unsigned q = 0; n->up && q < n->nworkers && q < 64; q++)
		cJSON_AddItemToArray(cores, cJSON_CreateNumber(n->cores[q]));
	return o;
}

/* daemon.info / daemon.reload: what the blocklist and allow list hold. */
static cJSON *lists_info(const struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();
	char ts[40];
	cJSON_AddStringToObject(o, "file", d->cfg.blocklist_file);
	cJSON_AddNumberToObject(o, "ranges", (double)(d->blocklist.v4.n + d->blocklist.v6.n));
	cJSON_AddNumberToObject(o, "ipv4_addresses", (double)ranges_count(&d->blocklist.v4));
	cJSON_AddNumberToObject(o, "allow_ranges", (double)(d->allow.v4.n + d->allow.v6.n));
	clock_iso8601_ms(d->lists_loaded_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(o, "loaded_at", ts);
	return o;
}

static cJSON *m_daemon_info(struct daemon *d, struct control_client *c, const cJSON *p,
			    struct rpc_error *err)
{
	cJSON *o, *f, *e, *nics, *sh;
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", SCAND_VERSION);
	f = cJSON_AddObjectToObject(o, "features");
	e = cJSON_AddArrayToObject(o, "engines");
	for (const char *const *n = engine_compiled(); *n; n++) {
		cJSON_AddItemToArray(e, cJSON_CreateString(*n));
	}
	cJSON_AddBoolToObject(f, "af_xdp", engine_lookup(ENGINE_AF_XDP) != NULL);
	cJSON_AddBoolToObject(f, "dpdk", engine_lookup(ENGINE_DPDK) != NULL);
	cJSON_AddBoolToObject(f, "systemd", HAVE_SYSTEMD);
	cJSON_AddBoolToObject(f, "numa", HAVE_NUMA);
	nics = cJSON_AddArrayToObject(o, "nics");
	for (unsigned i = 0; i < d->nics.n; i++)
		cJSON_AddItemToArray(nics, nic_info(d, &d->nics.nic[i]));
	sh = cJSON_AddObjectToObject(o, "shard");
	cJSON_AddNumberToObject(sh, "index", d->cfg.has_shard ? d->cfg.shard_index : 0);
	cJSON_AddNumberToObject(sh, "count", d->cfg.has_shard ? d->cfg.shard_count : 1);
	cJSON_AddNumberToObject(o, "uptime_s", floor(daemon_uptime(d)));
	cJSON_AddItemToObject(o, "blocklist", lists_info(d));
	return o;
}

/* daemon.reload: re-opens NICs that failed (e.g. an interface that came back). */
static cJSON *m_reload(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct rpc_error *err)
{
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	struct reload_report rr;
	daemon_reload(d, &rr);
	cJSON *o = cJSON_CreateObject(), *nics = cJSON_AddArrayToObject(o, "nics");
	for (unsigned i = 0; i < d->nics.n; i++)
		cJSON_AddItemToArray(nics, nic_info(d, &d->nics.nic[i]));
	cJSON_AddItemToObject(o, "blocklist", lists_info(d));
	cJSON_AddBoolToObject(o, "lists_reloaded", rr.lists == 0);
	if (rr.lists < 0)
		cJSON_AddStringToObject(o, "lists_error", rr.why.msg);
	else
		cJSON_AddNullToObject(o, "lists_error");
	cJSON_AddNumberToObject(o, "jobs_affected", rr.affected);
	return o;
}

static cJSON *m_delete(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct rpc_error *err)
{
	struct job *j = job_only(d, p, err);
	char id[32];
	(void)c;
	if (!j)
		return NULL;
	snprintf(id, sizeof(id), "%s", j->id);
	if (jobs_delete(d->jobs, j, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", id);
	cJSON_AddBoolToObject(o, "deleted", true);
	return o;
}

static cJSON *m_submit(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct rpc_error *err)
{
	char id[32];
	/* scand would open the file with its own rights: only for callers who have them */
	if (cJSON_GetObjectItemCaseSensitive(p, "targets_file") && c && !control_client_trusted(c))
		return rpc_error_set(err, RPC_PERMISSION, "targets_file",
				     "targets_file is read with scand's own rights, so only root may name one; send the addresses instead (scanctl submit -I FILE reads the file on your side)"),
		       NULL;
	if (jobs_submit(d->jobs, p, id, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", id);
	return o;
}

static cJSON *m_status(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct rpc_error *err)
{
	struct job *j = job_only(d, p, err);
	(void)c;
	return j ? job_status_json(j) : NULL;
}

static cJSON *m_list(struct daemon *d, struct control_client *c, const cJSON *p,
		     struct rpc_error *err)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "state");
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ "state", NULL }, err) < 0)
		return NULL;
	if (st && !cJSON_IsString(st))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "state", "state must be a string"),
		       NULL;
	return jobs_list_json(d->jobs, st ? st->valuestring : NULL, err);
}

static cJSON *m_cancel(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct rpc_error *err)
{
	struct job *j = job_only(d, p, err);
	(void)c;
	if (!j)
		return NULL;
	jobs_cancel(d->jobs, j);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	return o;
}

static cJSON *m_results(struct daemon *d, struct control_client *c, const cJSON *p,
			struct rpc_error *err)
{
	static const char *const known[] = { "job_id", "offset", "limit", "format", NULL };
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(p, "format");
	enum out_format f = OUT_NDJSON;
	uint64_t off, lim;
	struct job *j;
	(void)c;
	if (rpc_check_fields(p, known, err) < 0 || !(j = get_job(d, p, err)) ||
	    get_u64(p, "offset", 0, 1ull << 53, &off, err) < 0 ||
	    get_u64(p, "limit", 1000, 1ull << 53, &lim, err) < 0)
		return NULL;
	if (fmt && (!cJSON_IsString(fmt) || output_parse_format(fmt->valuestring, &f) < 0))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "format",
				     "format must be \"ndjson\" or \"csv\""), NULL;
	return job_results_json(j, off, lim, f, err);
}

static cJSON *m_rate_set(struct daemon *d, struct control_client *c, const cJSON *p,
			 struct rpc_error *err)
{
	struct job *j;
	uint64_t pps;
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ "job_id", "rate_pps", NULL }, err) < 0 ||
	    !(j = get_job(d, p, err)))
		return NULL;
	if (!cJSON_GetObjectItemCaseSensitive(p, "rate_pps"))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "rate_pps", "rate_pps is required"),
		       NULL;
	if (get_u64(p, "rate_pps", 0, 1000000000ull, &pps, err) < 0 ||
	    jobs_set_rate(d->jobs, j, pps, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddNumberToObject(o, "rate_pps", (double)pps);
	return o;
}

static cJSON *m_telemetry(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct rpc_error *err)
{
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	return report_telemetry(d);
}

static cJSON *m_heartbeat(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct rpc_error *err)
{
	unsigned running, queued, up = 0;
	struct jobs_rate jr;
	cJSON *o, *jobs;
	(void)c;
	if (rpc_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	jobs_counts(d->jobs, &running, &queued);
	for (unsigned i = 0; i < d->nics.n; i++)
		up += d->nics.nic[i].up;
	jobs_rate(d->jobs, &jr);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddNumberToObject(o, "uptime_s", floor(daemon_uptime(d)));
	cJSON_AddStringToObject(o, "version", SCAND_VERSION);
	jobs = cJSON_AddObjectToObject(o, "jobs");
	cJSON_AddNumberToObject(jobs, "running", running);
	cJSON_AddNumberToObject(jobs, "queued", queued);
	cJSON_AddNumberToObject(o, "nics_up", up);
	cJSON_AddNumberToObject(o, "nics", d->nics.n);
	/* the same sum as telemetry.get's rate.target */
	cJSON_AddNumberToObject(o, "rate_pps", (double)jr.target);
	cJSON_AddItemToObject(o, "state_dir", report_state_dir(d));
	return o;
}

static cJSON *m_subscribe(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct rpc_error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "job_id");
	if (rpc_check_fields(p, (const char *const[]){ "job_id", NULL }, err) < 0 ||
	    (id && !get_job(d, p, err)))
		return NULL;
	if (c)
		control_client_subscribe(c, id ? id->valuestring : NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "subscribed", true);
	return o;
}

static const struct {
	const char *name;
	rpc_method fn;
	bool writes; /* refused on a read-only socket */
} methods[] = {
	{ "daemon.info", m_daemon_info, false }, { "job.submit", m_submit, true },
	{ "job.status", m_status, false },	  { "job.list", m_list, false },
	{ "job.cancel", m_cancel, true },	  { "job.results", m_results, false },
	{ "rate.set", m_rate_set, true },	  { "telemetry.get", m_telemetry, false },
	{ "heartbeat", m_heartbeat, false },	  { "events.subscribe", m_subscribe, false },
	{ "daemon.reload", m_reload, true },	  { "job.delete", m_delete, true },
};

static char *reply(cJSON *id, cJSON *result, const struct rpc_error *e)
{
	cJSON *o = cJSON_CreateObject();
	char *s;
	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
	if (result) {
		cJSON_AddItemToObject(o, "result", result);
	} else {
		cJSON *err = cJSON_AddObjectToObject(o, "error");
		cJSON_AddNumberToObject(err, "code", e->code);
		cJSON_AddStringToObject(err, "message", e->message);
		if (e->field[0]) {
			cJSON *data = cJSON_AddObjectToObject(err, "data");
			cJSON_AddStringToObject(data, "field", e->field);
			cJSON_AddStringToObject(data, "reason", e->message);
		}
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Checks the JSON-RPC envelope; returns the method index or -1 with err set. */
static int envelope(const cJSON *req, cJSON **id, const cJSON **params, struct rpc_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "jsonrpc");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
	*id = cJSON_GetObjectItemCaseSensitive(req, "id");
	*params = cJSON_GetObjectItemCaseSensitive(req, "params");
	if (*id && !cJSON_IsString(*id) && !cJSON_IsNumber(*id) && !cJSON_IsNull(*id)) {
		*id = NULL;
		return rpc_error_set(err, RPC_INVALID_REQUEST, "id",
				     "id must be a string, a number or null"), -1;
	}
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0)
		return rpc_error_set(err, RPC_INVALID_REQUEST, "jsonrpc",
				     "\"jsonrpc\": \"2.0\" is required"), -1;
	if (!*id)
		return rpc_error_set(err, RPC_INVALID_REQUEST, "id",
				     "request has no id; scand answers requests only (notifications are server-to-client)"), -1;
	if (!cJSON_IsString(m))
		return rpc_error_set(err, RPC_INVALID_REQUEST, "method", "method must be a string"), -1;
	if (*params && !cJSON_IsObject(*params))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "params",
				     "params must be an object (named parameters)"), -1;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strcmp(m->valuestring, methods[i].name) == 0)
			return (int)i;
	return rpc_error_set(err, RPC_METHOD_NOT_FOUND, "method",
			     "unknown method \"%.60s\"; see docs/protocol.md", m->valuestring), -1;
}

char *rpc_handle(void *ctx, struct control_client *c, const char *line, size_t len)
{
	struct daemon *d = ctx;
	struct rpc_error err = { 0 };
	const char *end = NULL;
	const cJSON *params;
	cJSON *req, *id = NULL, *result = NULL, *empty;
	char *out;
	int m;

	if (!utf8_valid(line, len)) {
		rpc_error_set(&err, RPC_PARSE_ERROR, "", "request is not valid UTF-8 text (or contains NUL bytes)");
		return reply(NULL, NULL, &err);
	}
	req = cJSON_ParseWithLengthOpts(line, len, &end, false);
	while (req && end && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (!req || (end && end < line + len)) {
		cJSON_Delete(req);
		rpc_error_set(&err, RPC_PARSE_ERROR, "", "request is not valid JSON");
		return reply(NULL, NULL, &err);
	}
	if (cJSON_IsArray(req))
		rpc_error_set(&err, RPC_INVALID_REQUEST, "",
			      "batch requests are not supported; send one request object per line");
	else if (!cJSON_IsObject(req))
		rpc_error_set(&err, RPC_INVALID_REQUEST, "", "request must be a JSON object");
	else if ((m = envelope(req, &id, &params, &err)) >= 0) {
		empty = params ? NULL : cJSON_CreateObject();
		if (methods[m].writes && c && control_client_read_only(c))
			rpc_error_set(&err, RPC_PERMISSION, "",
				      "%s is not allowed on the read-only socket; use the control socket",
				      methods[m].name);
		else
			result = methods[m].fn(d, c, params ? params : empty, &err);
		cJSON_Delete(empty);
		if (!result && !err.code)
			rpc_error_set(&err, RPC_INTERNAL, "", "internal error (out of memory?)");
	}
	out = reply(id, result, &err);
	cJSON_Delete(req);
	return out;
}

/* Job events become JSON-RPC notifications for subscribed clients. */
void rpc_job_event(void *ctx, const struct job *j, enum job_event ev)
{
	struct daemon *d = ctx;
	cJSON *o, *p;
	char *line;
	if (!d->ctl)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	if (ev == JOB_EVENT_PROGRESS) {
		cJSON_AddStringToObject(o, "method", "job.progress");
		cJSON_AddItemToObject(o, "params", job_status_json(j));
	} else {
		cJSON_AddStringToObject(o, "method", "job.state");
		p = cJSON_AddObjectToObject(o, "params");
		cJSON_AddStringToObject(p, "job_id", j->id);
		cJSON_AddStringToObject(p, "state", job_state_name(j->state));
		if (j->error[0])
			cJSON_AddStringToObject(p, "error", j->error);
		else
			cJSON_AddNullToObject(p, "error");
	}
	if ((line = cJSON_PrintUnformatted(o)))
		control_notify(d->ctl, j->id, line);
	free(line);
	cJSON_Delete(o);
}
