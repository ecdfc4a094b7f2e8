/* Idempotent submit (client_key) and job labels through the JSON-RPC
 * handler of a null-NIC daemon: retries, restarts, refusals, the job.list
 * label filter, the Prometheus escaping of label values. */
#include "rpcutil.h"
#include "jobkeys.h"
#include "joblabels.h"

#define SPEC "\"targets\":[\"198.18.1.0/24\"],\"ports\":\"1-100\",\"rate_pps\":1"

static cJSON *submit_req(struct daemon *d, const char *params)
{
	char req[2048];
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":%s}", params);
	return call(d, req);
}

static int njobs(struct daemon *d, const char *filter)
{
	char req[512];
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.list\",\"params\":{%s}}", filter);
	cJSON *r = call(d, req);
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(result(r), "jobs"));
	cJSON_Delete(r);
	return n;
}

static void expect_submit(struct daemon *d, const char *params, const char *id, bool created)
{
	cJSON *r = submit_req(d, params);
	assert_string_equal(cJSON_GetObjectItem(result(r), "job_id")->valuestring, id);
	assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(result(r), "created")), created);
	assert_non_null(cJSON_GetObjectItem(result(r), "state"));
	cJSON_Delete(r);
}

/* The same key and request: the first job, never a second one, also after
 * a restart; key order and blanks do not matter; a different request is
 * refused on client_key. */
static void test_retried_submit(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	cJSON *r = submit_req(d, "{" SPEC ",\"client_key\":\"k1\",\"labels\":{\"a\":\"1\"}}");
	char *id = strdup(cJSON_GetObjectItem(result(r), "job_id")->valuestring);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result(r), "created")));
	cJSON_Delete(r);
	expect_submit(d, "{" SPEC ",\"client_key\":\"k1\",\"labels\":{\"a\":\"1\"}}", id, false);
	expect_submit(d, "{\"labels\": {\"a\": \"1\"}, \"client_key\": \"k1\", \"rate_pps\": 1, \"ports\": \"1-100\", \"targets\": [\"198.18.1.0/24\"]}", id, false);
	assert_int_equal(njobs(d, ""), 1);
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":{" SPEC ",\"client_key\":\"k1\",\"labels\":{\"a\":\"2\"}}}",
		     RPC_INVALID_PARAMS, "client_key");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":{" SPEC ",\"client_key\":\"k1\",\"request_digest\":\"00000000000000000000000000000000\"}}",
		     RPC_INVALID_PARAMS, "request_digest");
	/* the key survives a restart (spec.json) */
	free_daemon(d);
	d = new_daemon(state_dir);
	assert_int_equal(jobs_load(d->jobs), 1);
	expect_submit(d, "{" SPEC ",\"client_key\":\"k1\",\"labels\":{\"a\":\"1\"}}", id, false);
	assert_int_equal(njobs(d, ""), 1);
	/* another key, or none: a new job each time */
	r = submit_req(d, "{" SPEC ",\"client_key\":\"k2\"}");
	assert_string_not_equal(cJSON_GetObjectItem(result(r), "job_id")->valuestring, id);
	cJSON_Delete(r);
	cJSON_Delete(submit_req(d, "{" SPEC "}"));
	cJSON_Delete(submit_req(d, "{" SPEC "}"));
	assert_int_equal(njobs(d, ""), 4);
	free(id);
	free_daemon(d);
}

static void check_ok(struct daemon *d, const char *req)
{
	cJSON *r = call(d, req);
	result(r);
	cJSON_Delete(r);
}

static void test_key_and_label_errors(void **st)
{
	static const char *const bad[][2] = {
		{ "\"client_key\":\"\"", "client_key" },
		{ "\"client_key\":7", "client_key" },
		{ "\"client_key\":\"tab\\there\"", "client_key" },
		{ "\"labels\":[\"a\"]", "labels" },
		{ "\"labels\":{\"a\":1}", "labels" },
		{ "\"labels\":{\"9a\":\"x\"}", "labels" },
		{ "\"labels\":{\"a-b\":\"x\"}", "labels" },
		{ "\"labels\":{\"__a\":\"x\"}", "labels" },
		{ "\"labels\":{\"job_id\":\"x\"}", "labels" },
		{ "\"labels\":{\"instance\":\"x\"}", "labels" },
		{ "\"labels\":{\"a\":\"x\",\"a\":\"y\"}", "labels" },
	};
	struct daemon *d = new_daemon(state_dir);
	char req[9000], params[8192];
	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":{" SPEC ",%s}}", bad[i][0]);
		expect_error(d, req, RPC_INVALID_PARAMS, bad[i][1]);
	}
	/* bounds: JOBKEYS_MAX_KEY characters, JOBLABELS_MAX labels of
	 * JOBLABELS_MAX_VALUE bytes pass; one more of any does not */
	for (int over = 0; over <= 3; over++) {
		int n = snprintf(params, sizeof(params), "{" SPEC ",\"client_key\":\"%0*d\",\"labels\":{",
				 JOBKEYS_MAX_KEY + (over == 1), over);
		for (int l = 0; l < JOBLABELS_MAX + (over == 2); l++)
			n += snprintf(params + n, sizeof(params) - (size_t)n, "%s\"l%d\":\"%0*d\"", l ? "," : "", l,
				      JOBLABELS_MAX_VALUE + (over == 3 && l == 5), 0);
		snprintf(params + n, sizeof(params) - (size_t)n, "}}");
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":%s}", params);
		if (over)
			expect_error(d, req, RPC_INVALID_PARAMS, over == 1 ? "client_key" : "labels");
		else
			check_ok(d, req);
	}
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.list\",\"params\":{\"label\":\"nokey\"}}", RPC_INVALID_PARAMS, "label");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.list\",\"params\":{\"label\":3}}", RPC_INVALID_PARAMS, "label");
	free_daemon(d);
}

/* job.status and job.list show the labels; the filter keeps exact matches. */
static void test_labels_listed(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	char *a = submit(d, "{" SPEC ",\"labels\":{\"campaign\":\"weekly\",\"team\":\"red\"}}");
	char *b = submit(d, "{" SPEC ",\"labels\":{\"campaign\":\"weekly2\"}}");
	char *c = submit(d, "{" SPEC "}");
	cJSON *r = status(d, a), *lb = cJSON_GetObjectItem(result(r), "labels");
	assert_string_equal(cJSON_GetObjectItem(lb, "team")->valuestring, "red");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(result(r), "client_key")));
	cJSON_Delete(r);
	assert_int_equal(njobs(d, "\"label\":\"campaign=weekly\""), 1);
	assert_int_equal(njobs(d, "\"label\":\"campaign=weekly2\""), 1);
	assert_int_equal(njobs(d, "\"label\":\"team=red\""), 1);
	assert_int_equal(njobs(d, "\"label\":\"team=blue\""), 0);
	assert_int_equal(njobs(d, "\"label\":\"campaign=weekly\",\"state\":\"done\""), 0);
	assert_int_equal(njobs(d, ""), 3);
	free(a);
	free(b);
	free(c);
	free_daemon(d);
}

static void test_prom_escape(void **st)
{
	struct job_labels ls = { .n = 2 };
	char *buf = NULL;
	size_t len = 0;
	(void)st;
	snprintf(ls.l[0].key, sizeof(ls.l[0].key), "q");
	snprintf(ls.l[0].value, sizeof(ls.l[0].value), "a\"b\\c\nd");
	snprintf(ls.l[1].key, sizeof(ls.l[1].key), "u");
	snprintf(ls.l[1].value, sizeof(ls.l[1].value), "r\xc3\xa9sum\xc3\xa9");
	FILE *f = open_memstream(&buf, &len);
	joblabels_prom(&ls, f);
	fclose(f);
	assert_string_equal(buf, ",q=\"a\\\"b\\\\c\\nd\",u=\"r\xc3\xa9sum\xc3\xa9\"");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retried_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_and_label_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels_listed, setup, teardown),
		cmocka_unit_test(test_prom_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
