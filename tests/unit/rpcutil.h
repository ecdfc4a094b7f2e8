/* Helpers of the unit tests that drive the JSON-RPC handler without
 * sockets: a daemon with one null-engine NIC in a temporary state_dir,
 * requests, results, jobs run by calling the drain/tick functions. */
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "jobs.h"
#include "jobindex.h"
#include "jobresults.h"
#include "jsonrpc.h"
#include "rpc.h"
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline struct daemon *new_daemon(const char *state_dir)
{
	struct daemon *d = calloc(1, sizeof(*d));
	config_defaults(&d->cfg);
	snprintf(d->cfg.state_dir, sizeof(d->cfg.state_dir), "%s", state_dir);
	d->cfg.nnics = 1;
	snprintf(d->cfg.nics[0].name, sizeof(d->cfg.nics[0].name), "n0");
	d->cfg.nics[0].engine = ENGINE_NULL;
	d->cfg.has_source_ip = true;
	ipaddr_parse("198.18.0.100", &d->cfg.source_ip);
	cidr_list_init(&d->blocklist);
	cidr_list_add(&d->blocklist, "192.168.0.0/16", NULL);
	cidr_list_normalize(&d->blocklist);
	cidr_list_init(&d->allow);
	assert_int_equal(daemon_core_init(d, NULL), 0);
	return d;
}

static inline void free_daemon(struct daemon *d)
{
	daemon_core_fini(d);
	cidr_list_free(&d->blocklist);
	cidr_list_free(&d->allow);
	free(d);
}

/* Sends one request; returns the parsed response (caller frees). */
static inline cJSON *call(struct daemon *d, const char *req)
{
	char *out = rpc_handle(d, NULL, req, strlen(req));
	assert_non_null(out);
	cJSON *r = cJSON_Parse(out);
	assert_non_null(r);
	free(out);
	return r;
}

static inline int error_code(cJSON *r)
{
	cJSON *e = cJSON_GetObjectItem(r, "error");
	return e ? cJSON_GetObjectItem(e, "code")->valueint : 0;
}

static inline const char *error_field(cJSON *r)
{
	cJSON *data = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "data");
	return data ? cJSON_GetObjectItem(data, "field")->valuestring : "";
}

static inline cJSON *result(cJSON *r)
{
	cJSON *res = cJSON_GetObjectItem(r, "result");
	if (!res)
		fail_msg("expected a result: %s", cJSON_PrintUnformatted(r));
	return res;
}

static char state_dir[64];

static inline int setup(void **st)
{
	(void)st;
	snprintf(state_dir, sizeof(state_dir), "/tmp/scand-rpc-XXXXXX");
	assert_non_null(mkdtemp(state_dir));
	return 0;
}

static inline int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	return system(cmd);
}

static inline void expect_error(struct daemon *d, const char *req, int code, const char *field)
{
	cJSON *r = call(d, req);
	if (error_code(r) != code)
		fail_msg("%s: expected %d, got %s", req, code, cJSON_PrintUnformatted(r));
	if (field)
		assert_string_equal(error_field(r), field);
	cJSON_Delete(r);
}

static inline char *submit(struct daemon *d, const char *params)
{
	char req[1024];
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":%s}",
		 params);
	cJSON *r = call(d, req);
	char *id = strdup(cJSON_GetObjectItem(result(r), "job_id")->valuestring);
	cJSON_Delete(r);
	return id;
}

static inline cJSON *status(struct daemon *d, const char *id)
{
	char req[256];
	snprintf(req, sizeof(req),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.status\",\"params\":{\"job_id\":\"%s\"}}", id);
	return call(d, req);
}

static inline const char *state_of(cJSON *r)
{
	return cJSON_GetObjectItem(result(r), "state")->valuestring;
}

static inline double num_of(cJSON *r, const char *k)
{
	return cJSON_GetObjectItem(result(r), k)->valuedouble;
}

/* Drains and ticks until the job is in `want` or the time is up. */
static inline void run_until(struct daemon *d, const char *id, const char *want, double secs)
{
	double end = clock_mono_s() + secs, next_tick = 0;
	for (;;) {
		jobs_drain(d->jobs);
		if (clock_mono_s() >= next_tick) {
			jobs_tick(d->jobs);
			next_tick = clock_mono_s() + 0.2;
		}
		cJSON *r = status(d, id);
		bool done = strcmp(state_of(r), want) == 0;
		if (!done && clock_mono_s() > end)
			fail_msg("job %s: state %s, wanted %s: %s", id, state_of(r), want,
				 cJSON_PrintUnformatted(r));
		cJSON_Delete(r);
		if (done)
			return;
		usleep(5000);
	}
}

/* Appends n result rows to the job's store, as jobrun_drain does. */
/* Waits until j's row index is ready, installing it as the drain would. */
static inline void wait_index(struct job *j)
{
	struct job_error e;
	jobresults_free(j);
	while (jobindex_ready(j, &e) < 0) {
		assert_int_equal(e.kind, JOB_ERR_LIMIT);
		jobindex_poll(j);
		usleep(1000);
	}
}

static inline void add_results(struct job *j, unsigned n)
{
	assert_int_equal(jobresults_open(j), 0);
	for (unsigned i = 0; i < n; i++) {
		struct result res = { .port = (uint16_t)(1 + i % 1000), .status = i % 3 ? 2 : 1,
				      .ttl = 64, .ts_ms = 1764460800000ull + i };
		char line[OUTPUT_MAX_LINE];
		res.ip = (struct ipaddr){ .af = AF_INET, .v = 0xc6120100u + i / 1000 };
		snprintf(res.nic, sizeof(res.nic), "n0");
		assert_int_equal(jobresults_append(j, line, output_ndjson(&res, line, sizeof(line))), 0);
	}
	jobresults_close(j);
	if (job_state_final(j->state)) /* a finished job's file changed: its index is built anew */
		wait_index(j);
}

/* job.results pages over a real result set: every row exactly once and in
 * order, the CSV header as its own field (never among the rows), next_offset
 * chaining, complete only on the last page. */
