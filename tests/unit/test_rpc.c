/* JSON-RPC handling and the job manager without sockets or root: a daemon
 * with one null-engine NIC, driven by calling the drain/tick functions. */
#include "rpcutil.h"

static void test_envelope_errors(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,", RPC_PARSE_ERROR, NULL);
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"heart\xff\"}", RPC_PARSE_ERROR, NULL);
	expect_error(d, "{\"id\":1,\"method\":\"heartbeat\"}", RPC_INVALID_REQUEST, "jsonrpc");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":\"x\"}", RPC_INVALID_REQUEST, "params");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"heartbeat\"}", RPC_INVALID_REQUEST, "id");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", RPC_METHOD_NOT_FOUND, "method");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"heartbeat\",\"params\":[1]}", RPC_INVALID_PARAMS, "params");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"heartbeat\",\"params\":{\"x\":1}}", RPC_INVALID_PARAMS, "x");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.status\",\"params\":{\"job_id\":\"j1\"}}", RPC_NOT_FOUND, "job_id");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.status\",\"params\":{\"job_id\":5}}", RPC_INVALID_PARAMS, "job_id");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.list\",\"params\":{\"state\":\"weird\"}}", RPC_INVALID_PARAMS, "state");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.submit\",\"params\":{\"targets\":[\"192.168.1.0/24\"],\"ports\":\"80\"}}", RPC_INVALID_PARAMS, "targets");
	/* the id comes back unchanged */
	cJSON *r = call(d, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"heartbeat\"}");
	assert_string_equal(cJSON_GetObjectItem(r, "id")->valuestring, "abc");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result(r), "ok")));
	cJSON_Delete(r);
	free_daemon(d);
}

static void test_info(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	cJSON *r = call(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.info\"}");
	cJSON *nic = cJSON_GetArrayItem(cJSON_GetObjectItem(result(r), "nics"), 0);
	assert_string_equal(cJSON_GetObjectItem(nic, "name")->valuestring, "n0");
	assert_string_equal(cJSON_GetObjectItem(nic, "state")->valuestring, "up");
	assert_string_equal(cJSON_GetObjectItem(nic, "engine")->valuestring, "null");
	cJSON_Delete(r);
	free_daemon(d);
}

static void test_job_runs_on_null_engine(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	char *id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80,443\",\"rate_pps\":200000,\"cooldown_s\":0,\"name\":\"n\"}");
	run_until(d, id, "done", 10);
	cJSON *r = status(d, id);
	assert_int_equal((int)num_of(r, "total"), 256 * 2);
	assert_int_equal((int)num_of(r, "sent"), 256 * 2);
	assert_string_equal(cJSON_GetObjectItem(result(r), "name")->valuestring, "n");
	cJSON_Delete(r);
	/* the engine saw every probe */
	struct engine_qstats qs;
	d->nics.nic[0].eng.ops->stats(&d->nics.nic[0].eng, 0, &qs);
	assert_int_equal(qs.tx_packets, 256 * 2);
	/* a restarted daemon knows the finished job */
	free_daemon(d);
	d = new_daemon(state_dir);
	assert_true(jobs_load(d->jobs) >= 1);
	r = status(d, id);
	assert_string_equal(state_of(r), "done");
	assert_int_equal((int)num_of(r, "sent"), 256 * 2);
	cJSON_Delete(r);
	free(id);
	free_daemon(d);
}

static void test_resume_after_shutdown(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	(void)st;
	char *id = submit(d, "{\"targets\":[\"198.18.2.0/24\"],\"ports\":\"1-4\",\"rate_pps\":500,\"cooldown_s\":0}");
	run_until(d, id, "running", 2);
	for (int i = 0; i < 8; i++) { /* ~0.8 s: two checkpoints */
		usleep(100000);
		jobs_drain(d->jobs);
		if (i % 4 == 3)
			jobs_tick(d->jobs);
	}
	cJSON *r = status(d, id);
	double before = num_of(r, "sent");
	assert_true(before > 100 && before < 1024);
	cJSON_Delete(r);
	free_daemon(d); /* SIGTERM path: checkpoint, stop */

	d = new_daemon(state_dir);
	assert_true(jobs_load(d->jobs) >= 1);
	run_until(d, id, "done", 10);
	r = status(d, id);
	assert_int_equal((int)num_of(r, "sent"), 1024);
	assert_int_equal((int)num_of(r, "total"), 1024);
	cJSON_Delete(r);
	free(id);
	free_daemon(d);
}

static void test_cancel_and_rate(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	char req[256];
	(void)st;
	char *id = submit(d, "{\"targets\":[\"198.18.3.0/24\"],\"ports\":\"1-100\",\"rate_pps\":1000}");
	run_until(d, id, "running", 2);
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rate.set\",\"params\":{\"job_id\":\"%s\",\"rate_pps\":2000}}", id);
	cJSON *r = call(d, req);
	assert_int_equal((int)num_of(r, "rate_pps"), 2000);
	cJSON_Delete(r);
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rate.set\",\"params\":{\"job_id\":\"%s\",\"rate_pps\":0}}", id);
	expect_error(d, req, RPC_INVALID_PARAMS, "rate_pps");
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.cancel\",\"params\":{\"job_id\":\"%s\"}}", id);
	for (int i = 0; i < 2; i++) { /* cancel twice: same answer */
		r = call(d, req);
		assert_string_equal(state_of(r), "cancelled");
		cJSON_Delete(r);
	}
	r = status(d, id);
	double sent = num_of(r, "sent");
	cJSON_Delete(r);
	usleep(200000);
	r = status(d, id);
	assert_true(num_of(r, "sent") == sent);
	cJSON_Delete(r);
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.results\",\"params\":{\"job_id\":\"%s\",\"offset\":100000}}", id);
	r = call(d, req);
	assert_int_equal((int)num_of(r, "count"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result(r), "complete")));
	cJSON_Delete(r);
	free(id);
	free_daemon(d);
}

static cJSON *results_page(struct daemon *d, const char *id, uint64_t offset, unsigned limit)
{
	char req[256];
	snprintf(req, sizeof(req),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.results\",\"params\":{\"job_id\":\"%s\",\"offset\":%llu,\"limit\":%u,\"format\":\"csv\"}}",
		 id, (unsigned long long)offset, limit);
	return call(d, req);
}

/* job.results pages over a real result set: every row exactly once and in
 * order, the CSV header as its own field (never among the rows), next_offset
 * chaining, complete only on the last page. */
static void test_results_paging(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	const unsigned rows = 2500, limit = 1000;
	uint64_t off = 0;
	unsigned pages = 0, seen = 0;
	(void)st;
	char *id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80\",\"rate_pps\":100000,\"cooldown_s\":0}");
	run_until(d, id, "done", 10);
	add_results(jobs_find(d->jobs, id), rows);
	for (;;) {
		cJSON *r = results_page(d, id, off, limit), *res = result(r), *arr = cJSON_GetObjectItem(res, "results"), *it;
		unsigned count = (unsigned)cJSON_GetArraySize(arr);
		assert_int_equal((int)num_of(r, "total_results"), rows);
		assert_string_equal(cJSON_GetObjectItem(res, "header")->valuestring, "ip,port,status,ttl,ts,nic");
		cJSON_ArrayForEach(it, arr) {
			char want[64];
			snprintf(want, sizeof(want), "198.18.%u.%u,%u,", 1 + seen / 1000 / 256, seen / 1000 % 256,
				 1 + seen % 1000);
			if (strncmp(it->valuestring, want, strlen(want)) != 0)
				fail_msg("row %u: %s, want %s...", seen, it->valuestring, want);
			seen++;
		}
		pages++;
		off = (uint64_t)num_of(r, "next_offset");
		bool complete = cJSON_IsTrue(cJSON_GetObjectItem(res, "complete"));
		assert_int_equal(complete, seen == rows);
		assert_int_equal(count, seen == rows && rows % limit ? rows % limit : limit);
		cJSON_Delete(r);
		if (complete)
			break;
	}
	assert_int_equal(pages, (rows + limit - 1) / limit);
	assert_int_equal(off, rows);
	free(id);
	free_daemon(d);
}

/* A NIC is re-opened (after its RX channels changed) only when no job runs
 * on it; its counters then restart from 0, and telemetry counts that as no
 * traffic, not as a counter that went backwards (a wrap to 1.8e19 pps). */
static void test_nic_reopen(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	struct nic *n = &d->nics.nic[0];
	char req[256];
	(void)st;
	char *id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80\",\"rate_pps\":50,\"name\":\"slow\"}");
	run_until(d, id, "running", 5);
	assert_true(jobs_nic_busy(d->jobs, n));
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.cancel\",\"params\":{\"job_id\":\"%s\"}}", id);
	cJSON_Delete(call(d, req));
	assert_false(jobs_nic_busy(d->jobs, n));
	free(id);
	id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80,443\",\"rate_pps\":200000,\"cooldown_s\":0}");
	run_until(d, id, "done", 10);
	telemetry_tick(&d->tel, &d->nics, 1.0);
	assert_true(telemetry_nic(&d->tel, n)->tx_pps >= 512);
	assert_int_equal(nic_reopen(n, &d->cfg), 0);
	assert_true(n->up);
	telemetry_tick(&d->tel, &d->nics, 1.0);
	assert_true(telemetry_nic(&d->tel, n)->tx_pps == 0);
	assert_true(telemetry_nic(&d->tel, n)->lost_delta == 0);
	free(id);
	free_daemon(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_envelope_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_runs_on_null_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_reopen, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
