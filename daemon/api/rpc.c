/* JSON-RPC 2.0 framing and method dispatch (see rpc.h). Method bodies stay
 * thin: jobs.c and telemetry own the data. */
#include "rpc.h"
#include "registry.h"
#include "control.h"
#include "heartbeat.h"
#include "jsonrpc.h"
#include "jobview.h"
#include "report.h"
#include "clock.h"
#include "utf8.h"
#include "results_stream.h"
#include "prepare.h"
#include "scand-config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The read-only socket serves no result rows (job.results, streams). */
#define RO_ROWS_MSG "%s serves result rows, which the read-only socket never does; use the control socket (as the job's owner, root or scand's user)"

typedef cJSON *(*rpc_method)(struct daemon *d, struct control_client *c, const cJSON *params,
			     struct job_error *err);

static int get_u64(const cJSON *params, const char *k, uint64_t def, uint64_t max, uint64_t *out,
		   struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, k);
	if (!v)
		return *out = def, 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max ||
	    floor(v->valuedouble) != v->valuedouble)
		return job_error_set(err, JOB_ERR_INVALID, k,
				     "%s must be an integer between 0 and %llu", k,
				     (unsigned long long)max);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int get_bool(const cJSON *params, const char *k, bool *out, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, k);
	*out = cJSON_IsTrue(v);
	if (v && !cJSON_IsBool(v))
		return job_error_set(err, JOB_ERR_INVALID, k, "%s must be true or false", k);
	return 0;
}

/* "format": "ndjson" (the default) or "csv". */
static int get_format(const cJSON *params, enum out_format *f, struct job_error *err)
{
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(params, "format");
	*f = OUT_NDJSON;
	if (fmt && (!cJSON_IsString(fmt) || output_parse_format(fmt->valuestring, f) < 0))
		return job_error_set(err, JOB_ERR_INVALID, "format", "format must be \"ndjson\" or \"csv\"");
	return 0;
}

/* Who sent the request, for the job layer's access rule; no client (unit
 * tests, the fuzzer) is trusted. */
static struct job_caller caller_of(const struct control_client *c)
{
	if (!c)
		return (struct job_caller){ 0, true };
	return (struct job_caller){ control_client_uid(c), control_client_trusted(c) };
}

static struct job *get_job(struct daemon *d, const cJSON *params, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "job_id");
	struct job *j;
	if (!v)
		return job_error_set(err, JOB_ERR_INVALID, "job_id", "job_id is required"), NULL;
	if (!cJSON_IsString(v))
		return job_error_set(err, JOB_ERR_INVALID, "job_id", "job_id must be a string"),
		       NULL;
	if (!(j = jobs_find(d->jobs, v->valuestring)))
		job_error_set(err, JOB_ERR_NOT_FOUND, "job_id",
			      "no job \"%.40s\"; list jobs with `scanctl jobs`", v->valuestring);
	return j;
}

/* Methods whose only parameter is job_id. */
static struct job *job_only(struct daemon *d, const cJSON *p, struct job_error *err)
{
	if (job_check_fields(p, (const char *const[]){ "job_id", NULL }, err) < 0)
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
			    struct job_error *err)
{
	cJSON *o, *e, *nics, *sh;
	(void)c;
	if (job_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", SCAND_VERSION);
	cJSON_AddItemToObject(o, "features", heartbeat_features());
	e = cJSON_AddArrayToObject(o, "engines");
	for (const char *const *n = engine_compiled(); *n; n++) {
		cJSON_AddItemToArray(e, cJSON_CreateString(*n));
	}
	cJSON_AddItemToObject(o, "probe_modules", report_probe_modules());
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
		       struct job_error *err)
{
	(void)c;
	if (job_check_fields(p, (const char *const[]){ NULL }, err) < 0)
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

/* For a call that may free the job: the job, with its id copied into id
 * first for the reply (id_reply). */
static struct job *job_only_keep_id(struct daemon *d, const cJSON *p, struct job_error *err,
				    char id[JOB_ID_LEN])
{
	struct job *j = job_only(d, p, err);
	if (j)
		snprintf(id, JOB_ID_LEN, "%s", j->id);
	return j;
}

/* {"job_id": id}: the reply of a call that may have freed the job. */
static cJSON *id_reply(const char *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", id);
	return o;
}

static cJSON *m_delete(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct job_error *err)
{
	const struct job_caller who = caller_of(c);
	char id[JOB_ID_LEN];
	struct job *j = job_only_keep_id(d, p, err, id);
	if (!j || jobs_delete(d->jobs, j, &who, err) < 0)
		return NULL;
	cJSON *o = id_reply(id);
	cJSON_AddBoolToObject(o, "deleted", true);
	return o;
}

static cJSON *submit_reply(const struct job *j, bool created)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddBoolToObject(o, "created", created);
	return o;
}

/* A retried submit (same client_key, same request) gets the job it made.
 * Keys are the caller's own: jobs it may not act on are not matched. */
static const struct job *submitted_before(struct daemon *d, const cJSON *p, const struct job_caller *who,
					  struct job_error *err)
{
	struct job_keys req;
	struct job_error no = { 0 };
	if (jobkeys_request(p, &req, err) < 0)
		return NULL;
	for (const struct job *j = jobs_first(d->jobs); j && req.client_key[0]; j = j->next)
		if (jobs_may(d->jobs, j, who, "reuse its client_key", &no) == 0 &&
		    (jobkeys_same(&j->spec.keys, j->id, &req, err) || err->kind))
			return j;
	return NULL;
}

static cJSON *m_submit(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct job_error *err)
{
	const struct job_caller who = caller_of(c);
	const struct job *prev = submitted_before(d, p, &who, err);
	char id[32];
	if (err->kind)
		return NULL;
	if (prev)
		return submit_reply(prev, false);
	/* scand would open the file with its own rights: only for callers who have them */
	if (cJSON_GetObjectItemCaseSensitive(p, "targets_file") && c && !control_client_trusted(c))
		return job_error_set(err, JOB_ERR_PERMISSION, "targets_file",
				     "targets_file is read with scand's own rights, so only root may name one; send the addresses instead (scanctl submit -I FILE reads the file on your side)"),
		       NULL;
	if (jobs_submit(d->jobs, p, &who, id, err) < 0)
		return NULL;
	return submit_reply(jobs_find(d->jobs, id), true);
}

static cJSON *m_status(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct job_error *err)
{
	struct job *j = job_only(d, p, err);
	(void)c;
	return j ? job_status_json(j) : NULL;
}

/* job.list {state?, label?}: label "k=v" keeps the jobs carrying it. */
static cJSON *m_list(struct daemon *d, struct control_client *c, const cJSON *p,
		     struct job_error *err)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "state");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(p, "label");
	struct job_label m;
	cJSON *o, *row, *next;
	(void)c;
	if (job_check_fields(p, (const char *const[]){ "state", "label", NULL }, err) < 0)
		return NULL;
	if (st && !cJSON_IsString(st))
		return job_error_set(err, JOB_ERR_INVALID, "state", "state must be a string"),
		       NULL;
	if (lb && (!cJSON_IsString(lb) || joblabels_parse_match(lb->valuestring, "label", &m, err) < 0))
		return err->kind ? NULL : (job_error_set(err, JOB_ERR_INVALID, "label",
							"label must be a string \"NAME=VALUE\""), NULL);
	if (!(o = jobs_list_json(d->jobs, st ? st->valuestring : NULL, err)) || !lb)
		return o;
	for (row = cJSON_GetObjectItemCaseSensitive(o, "jobs")->child; row; row = next) {
		const struct job *j = jobs_find(d->jobs, cJSON_GetStringValue(cJSON_GetObjectItem(row, "job_id")));
		next = row->next;
		if (!j || !joblabels_match(&j->spec.labels, &m))
			cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(o, "jobs"), row));
	}
	return o;
}

static cJSON *m_cancel(struct daemon *d, struct control_client *c, const cJSON *p,
		       struct job_error *err)
{
	const struct job_caller who = caller_of(c);
	char id[JOB_ID_LEN];
	struct job *j = job_only_keep_id(d, p, err, id);
	enum job_state st;
	if (!j || jobs_cancel(d->jobs, j, &who, &st, err) < 0) /* may free j (retention) */
		return NULL;
	cJSON *o = id_reply(id);
	cJSON_AddStringToObject(o, "state", job_state_name(st));
	return o;
}

static cJSON *m_results(struct daemon *d, struct control_client *c, const cJSON *p,
			struct job_error *err)
{
	static const char *const known[] = { "job_id", "offset", "limit", "format", "text", NULL };
	const struct job_caller who = caller_of(c);
	bool text;
	enum out_format f = OUT_NDJSON;
	uint64_t off, lim;
	struct job *j;
	if (job_check_fields(p, known, err) < 0 || !(j = get_job(d, p, err)) ||
	    jobs_may(d->jobs, j, &who, "read its results", err) < 0 ||
	    get_u64(p, "offset", 0, 1ull << 53, &off, err) < 0 ||
	    get_u64(p, "limit", 1000, 1ull << 53, &lim, err) < 0)
		return NULL;
	if (get_format(p, &f, err) < 0 || get_bool(p, "text", &text, err) < 0)
		return NULL;
	return job_results_json(j, off, lim, f, text, err);
}

static cJSON *m_rate_set(struct daemon *d, struct control_client *c, const cJSON *p,
			 struct job_error *err)
{
	const struct job_caller who = caller_of(c);
	struct job *j;
	uint64_t pps;
	if (job_check_fields(p, (const char *const[]){ "job_id", "rate_pps", NULL }, err) < 0 ||
	    !(j = get_job(d, p, err)))
		return NULL;
	if (!cJSON_GetObjectItemCaseSensitive(p, "rate_pps"))
		return job_error_set(err, JOB_ERR_INVALID, "rate_pps", "rate_pps is required"),
		       NULL;
	if (get_u64(p, "rate_pps", 0, 1000000000ull, &pps, err) < 0 ||
	    jobs_set_rate(d->jobs, j, &who, pps, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddNumberToObject(o, "rate_pps", (double)pps);
	return o;
}

static cJSON *m_telemetry(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct job_error *err)
{
	(void)c;
	if (job_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	return report_telemetry(d);
}

static cJSON *m_heartbeat(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct job_error *err)
{
	(void)c;
	if (job_check_fields(p, (const char *const[]){ NULL }, err) < 0)
		return NULL;
	return heartbeat_json(d);
}

/* events.subscribe {job_id?, results?, offset?, limit?}: job events, and
 * with results: true the job's rows as job.results notifications. */
/* The first field given that only a result stream takes, or NULL. */
static const char *stream_field(const cJSON *p)
{
	static const char *const only[] = { "offset", "limit", "format", "text" };
	for (size_t i = 0; i < ARRAY_SIZE(only); i++)
		if (cJSON_GetObjectItem(p, only[i]))
			return only[i];
	return NULL;
}

static cJSON *m_subscribe(struct daemon *d, struct control_client *c, const cJSON *p,
			  struct job_error *err)
{
	static const char *const known[] = { "job_id", "results", "offset", "limit", "text", "format", NULL };
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "job_id");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "results");
	struct job *j = NULL;
	uint64_t off, lim;
	enum out_format f;
	const char *s;
	bool text;
	if (job_check_fields(p, known, err) < 0 || (id && !(j = get_job(d, p, err))) ||
	    get_u64(p, "offset", 0, 1ull << 53, &off, err) < 0 ||
	    get_u64(p, "limit", STREAM_DEFAULT_LIMIT, 1ull << 53, &lim, err) < 0 ||
	    get_bool(p, "text", &text, err) < 0 || get_format(p, &f, err) < 0)
		return NULL;
	if (res && !cJSON_IsBool(res))
		return job_error_set(err, JOB_ERR_INVALID, "results", "results must be true or false"), NULL;
	if (cJSON_IsTrue(res) && !j)
		return job_error_set(err, JOB_ERR_INVALID, "job_id",
				     "results: true streams one job's rows; name it with job_id"), NULL;
	if (cJSON_IsTrue(res) && c && control_client_read_only(c))
		return job_error_set(err, JOB_ERR_PERMISSION, "results", RO_ROWS_MSG, "events.subscribe with results"), NULL;
	const struct job_caller who = caller_of(c);
	if (cJSON_IsTrue(res) && jobs_may(d->jobs, j, &who, "stream its results", err) < 0)
		return NULL;
	if (!cJSON_IsTrue(res) && (s = stream_field(p)))
		return job_error_set(err, JOB_ERR_INVALID, s,
				     "offset, limit, format and text belong to a result stream (results: true)"), NULL;
	if (cJSON_IsTrue(res) && results_stream_start(c, j, off, lim, f, text, err) < 0)
		return NULL;
	if (c)
		control_client_subscribe(c, id ? id->valuestring : NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "subscribed", true);
	if (cJSON_IsTrue(res))
		cJSON_AddNumberToObject(o, "offset", (double)off);
	return o;
}

/* What a read-only (telemetry) socket refuses: changes, and result rows. */
enum ro_rule { RO_SERVED, RO_WRITE_REFUSED, RO_ROWS_REFUSED };

static const struct {
	const char *name;
	rpc_method fn;
	enum ro_rule ro;
} methods[] = {
	{ "daemon.info", m_daemon_info, RO_SERVED },	{ "job.submit", m_submit, RO_WRITE_REFUSED },
	{ "job.status", m_status, RO_SERVED },		{ "job.list", m_list, RO_SERVED },
	{ "job.cancel", m_cancel, RO_WRITE_REFUSED },	{ "job.results", m_results, RO_ROWS_REFUSED },
	{ "rate.set", m_rate_set, RO_WRITE_REFUSED },	{ "telemetry.get", m_telemetry, RO_SERVED },
	{ "heartbeat", m_heartbeat, RO_SERVED },	{ "events.subscribe", m_subscribe, RO_SERVED },
	{ "daemon.reload", m_reload, RO_WRITE_REFUSED }, { "job.delete", m_delete, RO_WRITE_REFUSED },
};

struct rpc_call {
	struct daemon *d;
	struct control_client *c;
};

/* Runs one request whose envelope jsonrpc.c checked. Notifications run
 * too (the caller drops their reply): see docs/protocol.md. */
static cJSON *rpc_request(void *ctx, const struct jsonrpc_req *req, struct rpc_error *err)
{
	struct rpc_call *call = ctx;
	struct job_error je = { 0 };
	cJSON *empty, *result = NULL;
	size_t m;
	for (m = 0; m < ARRAY_SIZE(methods) && strcmp(req->method, methods[m].name) != 0; m++)
		;
	if (m == ARRAY_SIZE(methods))
		return rpc_error_set(err, RPC_METHOD_NOT_FOUND, "method",
				     "unknown method \"%.60s\"; see docs/protocol.md", req->method), NULL;
	if (req->params && !cJSON_IsObject(req->params))
		job_error_set(&je, JOB_ERR_INVALID, "params",
			      "params must be an object (scand takes named parameters)");
	else if (methods[m].ro == RO_WRITE_REFUSED && call->c && control_client_read_only(call->c))
		job_error_set(&je, JOB_ERR_PERMISSION, "",
			      "%s is not allowed on the read-only socket; use the control socket",
			      methods[m].name);
	else if (methods[m].ro == RO_ROWS_REFUSED && call->c && control_client_read_only(call->c))
		job_error_set(&je, JOB_ERR_PERMISSION, "", RO_ROWS_MSG, methods[m].name);
	else {
		empty = req->params ? NULL : cJSON_CreateObject();
		result = methods[m].fn(call->d, call->c, req->params ? req->params : empty, &je);
		cJSON_Delete(empty);
	}
	if (!result)
		rpc_error_from_job(err, &je);
	return result;
}

char *rpc_handle(void *ctx, struct control_client *c, const char *line, size_t len)
{
	struct rpc_call call = { ctx, c };
	return jsonrpc_line(line, len, rpc_request, &call);
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
