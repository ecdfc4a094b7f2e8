/* JSON-RPC 2.0 conformance: the cases of the specification's Examples
 * section (https://www.jsonrpc.org/specification, section 7) adapted to
 * scand's methods, through the whole handler of a null-NIC daemon; then the
 * batch limits. Notifications must get no reply at all, yet act. */
#include "rpcutil.h"

/* The raw reply, or NULL when the handler answered nothing. */
static cJSON *call_raw(struct daemon *d, const char *req)
{
	char *out = rpc_handle(d, NULL, req, strlen(req));
	if (!out)
		return NULL;
	cJSON *r = cJSON_Parse(out);
	if (!r)
		fail_msg("reply is not JSON: %s", out);
	free(out);
	return r;
}

static void no_reply(struct daemon *d, const char *req)
{
	cJSON *r = call_raw(d, req);
	if (r)
		fail_msg("%s: a notification got a reply: %s", req, cJSON_PrintUnformatted(r));
}

/* r is an error object with this code and a null id. */
static void null_id_error(const cJSON *r, int code)
{
	assert_true(cJSON_IsObject(r));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "id")));
	assert_int_equal(error_code((cJSON *)r), code);
}

static double job_rate(struct daemon *d, const char *id)
{
	cJSON *r = status(d, id);
	double v = num_of(r, "rate_pps");
	cJSON_Delete(r);
	return v;
}

static char *queued_job(struct daemon *d)
{ /* a rate of 1 pps keeps it running for the whole test */
	return submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"1-100\",\"rate_pps\":1}");
}

/* 7: positional parameters (scand takes named ones), named parameters in
 * either order, notifications, unknown method, invalid JSON and request. */
static void test_single_examples(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	char req[512];
	(void)st;
	char *id = queued_job(d);
	snprintf(req, sizeof(req), "{\"jsonrpc\": \"2.0\", \"method\": \"job.status\", \"params\": [\"%s\"], \"id\": 1}", id);
	expect_error(d, req, RPC_INVALID_PARAMS, "params");
	/* named parameters: same result whatever the order, the id echoed */
	snprintf(req, sizeof(req), "{\"jsonrpc\": \"2.0\", \"method\": \"rate.set\", \"params\": {\"job_id\": \"%s\", \"rate_pps\": 7}, \"id\": 3}", id);
	cJSON *a = call(d, req);
	snprintf(req, sizeof(req), "{\"jsonrpc\": \"2.0\", \"method\": \"rate.set\", \"params\": {\"rate_pps\": 7, \"job_id\": \"%s\"}, \"id\": 4}", id);
	cJSON *b = call(d, req);
	assert_int_equal(cJSON_GetObjectItem(a, "id")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(b, "id")->valueint, 4);
	assert_true(cJSON_Compare(result(a), result(b), true));
	cJSON_Delete(a);
	cJSON_Delete(b);
	/* a notification acts and gets nothing back; so does an unknown one */
	snprintf(req, sizeof(req), "{\"jsonrpc\": \"2.0\", \"method\": \"rate.set\", \"params\": {\"job_id\": \"%s\", \"rate_pps\": 1234}}", id);
	no_reply(d, req);
	assert_int_equal((int)job_rate(d, id), 1234);
	no_reply(d, "{\"jsonrpc\": \"2.0\", \"method\": \"foobar\"}");
	no_reply(d, "{\"jsonrpc\": \"2.0\", \"method\": \"job.status\", \"params\": {\"job_id\": \"nope\"}}");
	/* non-existent method: the error carries the id */
	cJSON *r = call(d, "{\"jsonrpc\": \"2.0\", \"method\": \"foobar\", \"id\": \"1\"}");
	assert_int_equal(error_code(r), RPC_METHOD_NOT_FOUND);
	assert_string_equal(cJSON_GetObjectItem(r, "id")->valuestring, "1");
	cJSON_Delete(r);
	r = call(d, "{\"jsonrpc\": \"2.0\", \"method\": \"foobar, \"params\": \"bar\", \"baz]");
	null_id_error(r, RPC_PARSE_ERROR);
	cJSON_Delete(r);
	r = call(d, "{\"jsonrpc\": \"2.0\", \"method\": 1, \"params\": \"bar\"}");
	null_id_error(r, RPC_INVALID_REQUEST);
	cJSON_Delete(r);
	free(id);
	free_daemon(d);
}

/* 7: batch with invalid JSON, an empty array, [1], [1,2,3]. */
static void test_invalid_batches(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	cJSON *r = call(d, "[{\"jsonrpc\": \"2.0\", \"method\": \"heartbeat\", \"id\": \"1\"},{\"jsonrpc\": \"2.0\", \"method\"]");
	null_id_error(r, RPC_PARSE_ERROR);
	cJSON_Delete(r);
	r = call(d, "[]");
	null_id_error(r, RPC_INVALID_REQUEST); /* one object, not an array */
	cJSON_Delete(r);
	for (int n = 1; n <= 3; n += 2) {
		r = call(d, n == 1 ? "[1]" : "[1,2,3]");
		assert_true(cJSON_IsArray(r));
		assert_int_equal(cJSON_GetArraySize(r), n);
		for (int i = 0; i < n; i++)
			null_id_error(cJSON_GetArrayItem(r, i), RPC_INVALID_REQUEST);
		cJSON_Delete(r);
	}
	free_daemon(d);
}

static const cJSON *by_id(const cJSON *arr, const char *id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		const cJSON *v = cJSON_GetObjectItem(it, "id");
		if ((id && cJSON_IsString(v) && !strcmp(v->valuestring, id)) || (!id && cJSON_IsNull(v)))
			return it;
	}
	fail_msg("no reply with id %s in %s", id ? id : "null", cJSON_PrintUnformatted(arr));
	return NULL;
}

/* 7: a mixed batch (calls, a notification, an invalid request, an unknown
 * method) gets one array with a reply for each call; a batch of
 * notifications gets nothing, and its notifications act. */
static void test_mixed_batch(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	char req[1024];
	(void)st;
	char *id = queued_job(d);
	snprintf(req, sizeof(req),
		 "[{\"jsonrpc\": \"2.0\", \"method\": \"heartbeat\", \"id\": \"1\"},"
		 "{\"jsonrpc\": \"2.0\", \"method\": \"rate.set\", \"params\": {\"job_id\": \"%s\", \"rate_pps\": 77}},"
		 "{\"jsonrpc\": \"2.0\", \"method\": \"job.status\", \"params\": {\"job_id\": \"%s\"}, \"id\": \"2\"},"
		 "{\"foo\": \"boo\"},"
		 "{\"jsonrpc\": \"2.0\", \"method\": \"foo.get\", \"params\": {\"name\": \"myself\"}, \"id\": \"5\"},"
		 "{\"jsonrpc\": \"2.0\", \"method\": \"daemon.info\", \"id\": \"9\"}]", id, id);
	cJSON *r = call(d, req);
	assert_true(cJSON_IsArray(r));
	assert_int_equal(cJSON_GetArraySize(r), 5);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result((cJSON *)by_id(r, "1")), "ok")));
	assert_string_equal(cJSON_GetObjectItem(result((cJSON *)by_id(r, "2")), "job_id")->valuestring, id);
	assert_int_equal(error_code((cJSON *)by_id(r, NULL)), RPC_INVALID_REQUEST);
	assert_int_equal(error_code((cJSON *)by_id(r, "5")), RPC_METHOD_NOT_FOUND);
	assert_non_null(cJSON_GetObjectItem(result((cJSON *)by_id(r, "9")), "version"));
	cJSON_Delete(r);
	assert_int_equal((int)job_rate(d, id), 77);
	snprintf(req, sizeof(req),
		 "[{\"jsonrpc\": \"2.0\", \"method\": \"rate.set\", \"params\": {\"job_id\": \"%s\", \"rate_pps\": 88}},"
		 "{\"jsonrpc\": \"2.0\", \"method\": \"heartbeat\"}]", id);
	no_reply(d, req);
	assert_int_equal((int)job_rate(d, id), 88);
	free(id);
	free_daemon(d);
}

/* JSONRPC_MAX_BATCH requests are answered; one more is refused whole. */
static void test_batch_count_limit(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	char *req = malloc(80 * (JSONRPC_MAX_BATCH + 2));
	(void)st;
	for (int n = JSONRPC_MAX_BATCH; n <= JSONRPC_MAX_BATCH + 1; n++) {
		size_t off = 0;
		for (int i = 0; i < n; i++)
			off += (size_t)sprintf(req + off, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"heartbeat\"}",
					       i ? "," : "[", i);
		sprintf(req + off, "]");
		cJSON *r = call(d, req);
		if (n == JSONRPC_MAX_BATCH)
			assert_int_equal(cJSON_GetArraySize(r), n);
		else
			null_id_error(r, RPC_INVALID_REQUEST);
		cJSON_Delete(r);
	}
	free(req);
	free_daemon(d);
}

/* Replies past JSONRPC_BATCH_REPLY_MAX: the rest of the batch is not run
 * (-32001 for calls; a notification there does not act). */
static void test_batch_reply_budget(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	char req[16384], one[256];
	size_t off = 0;
	int pages = 0, refused = 0;
	(void)st;
	char *done = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80\",\"rate_pps\":100000,\"cooldown_s\":0}");
	char *id = queued_job(d);
	run_until(d, done, "done", 10);
	add_results(jobs_find(d->jobs, done), 10000);
	for (int i = 0; i < JSONRPC_MAX_BATCH - 1; i++) {
		snprintf(one, sizeof(one), "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"job.results\",\"params\":{\"job_id\":\"%s\",\"limit\":10000}}",
			 i ? "," : "[", i, done);
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s", one);
	}
	snprintf(req + off, sizeof(req) - off, ",{\"jsonrpc\":\"2.0\",\"method\":\"rate.set\",\"params\":{\"job_id\":\"%s\",\"rate_pps\":99}}]", id);
	cJSON *r = call(d, req), *it;
	assert_int_equal(cJSON_GetArraySize(r), JSONRPC_MAX_BATCH - 1);
	cJSON_ArrayForEach(it, r) {
		if (error_code(it) == RPC_BUSY) {
			refused++;
		} else { /* a page is full at 256 KB of rows: fewer than the limit, the same each time */
			assert_true(num_of(it, "count") > 1000 && num_of(it, "count") < 10000);
			assert_true(num_of(it, "next_offset") == num_of(it, "count"));
			pages++;
		}
	}
	/* the budget stops the batch part-way */
	assert_true(pages >= 1 && refused >= 1);
	char *text = cJSON_PrintUnformatted(r);
	assert_true(strlen(text) < JSONRPC_BATCH_REPLY_MAX + 2 * (strlen(text) / (size_t)pages));
	free(text);
	cJSON_Delete(r);
	assert_int_equal((int)job_rate(d, id), 1);
	free(id);
	free(done);
	free_daemon(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_count_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_reply_budget, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
