/* Streamed results over a real control socket in this process: a null-NIC
 * daemon, the transport with rpc_handle, and ticks called by the test.
 * Rows arrive in order, once, across a dropped connection resumed from an
 * offset; a job that grows streams its new rows; a subscriber that does not
 * read gets no further batch (bounded memory) and catches up afterwards. */
#include "rpcutil.h"
#include "control.h"
#include "results_stream.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>

#define PEER_BUF (4u << 20) /* more than one batch of 10000 rows */

struct peer {
	int fd;
	char *buf;
	size_t len;
};

static struct control *listen_ctl(struct daemon *d, char *path, size_t len)
{
	struct control_opts o = { .path = path, .group = "", .listen_fd = -1, .max_clients = 8,
				  .max_line = 1 << 20, .idle_timeout_s = 60 };
	char err[256] = "";
	snprintf(path, len, "%s/control.sock", state_dir);
	d->base = event_base_new();
	d->ctl = control_new(d->base, &o, rpc_handle, d, err, sizeof(err));
	if (!d->ctl)
		fail_msg("control_new: %s", err);
	return d->ctl;
}

static void stop_ctl(struct daemon *d)
{
	control_free(d->ctl);
	d->ctl = NULL;
	event_base_free(d->base);
	d->base = NULL;
}

static void connect_peer(struct peer *p, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	p->len = 0;
	if (!p->buf)
		p->buf = malloc(PEER_BUF);
	assert_int_equal(connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

/* The next line from the server (pumping its loop), or NULL after ms. */
static cJSON *next_msg(struct daemon *d, struct peer *p, int ms)
{
	for (int i = 0; i <= ms; i++) {
		char *nl = memchr(p->buf, '\n', p->len);
		if (nl) {
			cJSON *m = cJSON_ParseWithLength(p->buf, (size_t)(nl - p->buf));
			p->len -= (size_t)(nl + 1 - p->buf);
			memmove(p->buf, nl + 1, p->len);
			assert_non_null(m);
			return m;
		}
		event_base_loop(d->base, EVLOOP_NONBLOCK);
		ssize_t n = recv(p->fd, p->buf + p->len, PEER_BUF - p->len, 0);
		if (n > 0)
			p->len += (size_t)n;
		else if (i < ms)
			usleep(1000);
	}
	return NULL;
}

static void subscribe(struct daemon *d, struct peer *p, const char *job, uint64_t offset, unsigned limit)
{
	char req[256];
	snprintf(req, sizeof(req),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"job_id\":\"%s\",\"results\":true,\"offset\":%llu,\"limit\":%u}}\n",
		 job, (unsigned long long)offset, limit);
	assert_int_equal(send(p->fd, req, strlen(req), 0), (ssize_t)strlen(req));
	cJSON *r = next_msg(d, p, 2000);
	assert_non_null(r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result(r), "subscribed")));
	cJSON_Delete(r);
}

/* One tick; returns the job.results batch it brought (skipping job.state
 * and job.progress), or NULL when none came. */
static cJSON *tick_batch(struct daemon *d, struct peer *p)
{
	results_stream_tick(d);
	for (cJSON *m; (m = next_msg(d, p, 50));) {
		const cJSON *meth = cJSON_GetObjectItem(m, "method");
		if (cJSON_IsString(meth) && !strcmp(meth->valuestring, "job.results")) {
			cJSON *params = cJSON_DetachItemFromObject(m, "params");
			cJSON_Delete(m);
			return params;
		}
		cJSON_Delete(m);
	}
	return NULL;
}

/* Checks a batch continues at *next and its rows are rows *next.. of the
 * ones add_results wrote; advances *next. */
static void check_batch(const cJSON *b, uint64_t *next, unsigned max)
{
	const cJSON *it;
	unsigned count = 0;
	assert_int_equal((uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "offset")), *next);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(b, "results")) {
		uint64_t i = *next + count++;
		char ip[32];
		snprintf(ip, sizeof(ip), "198.18.1.%u", (unsigned)(i / 1000));
		assert_int_equal(cJSON_GetObjectItem(it, "port")->valueint, 1 + i % 1000);
		assert_string_equal(cJSON_GetObjectItem(it, "ip")->valuestring, ip);
	}
	assert_true(count <= max);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(b, "count")), count);
	*next += count;
	assert_int_equal((uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "next_offset")), *next);
}

static char *finished_job(struct daemon *d, unsigned rows)
{
	char *id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80\",\"rate_pps\":100000,\"cooldown_s\":0}");
	run_until(d, id, "done", 10);
	add_results(jobs_find(d->jobs, id), rows);
	return id;
}

/* 2500 rows in batches of 1000; the connection drops after the second
 * batch; a new one resumes from its next_offset: every row once, in order. */
static void test_resume_after_drop(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	struct peer p = { .buf = NULL };
	char path[128];
	uint64_t next = 0;
	(void)st;
	listen_ctl(d, path, sizeof(path));
	char *id = finished_job(d, 2500);
	connect_peer(&p, path);
	subscribe(d, &p, id, 0, 1000);
	for (int i = 0; i < 2; i++) {
		cJSON *b = tick_batch(d, &p);
		assert_non_null(b);
		check_batch(b, &next, 1000);
		assert_false(cJSON_IsTrue(cJSON_GetObjectItem(b, "complete")));
		cJSON_Delete(b);
	}
	close(p.fd);
	event_base_loop(d->base, EVLOOP_NONBLOCK);
	connect_peer(&p, path);
	subscribe(d, &p, id, next, 1000);
	cJSON *b = tick_batch(d, &p);
	check_batch(b, &next, 1000);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b, "complete")));
	cJSON_Delete(b);
	assert_int_equal(next, 2500);
	assert_null(tick_batch(d, &p)); /* the stream ended */
	close(p.fd);
	free(p.buf);
	free(id);
	stop_ctl(d);
	free_daemon(d);
}

/* Rows added while the job runs arrive at the next tick; nothing comes
 * while there is nothing new; cancelling ends the stream. Offsets past the
 * end and bad limits are refused. */
static void test_growing_job(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	struct peer p = { .buf = NULL };
	char path[128], req[256];
	uint64_t next = 0;
	(void)st;
	listen_ctl(d, path, sizeof(path));
	char *id = submit(d, "{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"1-100\",\"rate_pps\":1}");
	struct job *j = jobs_find(d->jobs, id);
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"job_id\":\"%s\",\"results\":true,\"offset\":1}}", id);
	expect_error(d, req, RPC_INVALID_PARAMS, "offset");
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"job_id\":\"%s\",\"results\":true,\"limit\":10001}}", id);
	expect_error(d, req, RPC_INVALID_PARAMS, "limit");
	expect_error(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"results\":true}}", RPC_INVALID_PARAMS, "job_id");
	connect_peer(&p, path);
	subscribe(d, &p, id, 0, 100);
	assert_null(tick_batch(d, &p));
	for (unsigned round = 1; round <= 3; round++) {
		for (unsigned i = 0; i < 150; i++) {
			struct result res = { .port = (uint16_t)(1 + next % 1000 + i), .status = 2, .ttl = 64, .ts_ms = 1 };
			char line[OUTPUT_MAX_LINE];
			res.ip = (struct ipaddr){ .af = AF_INET, .v = 0xc6120100u };
			assert_int_equal(jobresults_append(j, line, output_ndjson(&res, line, sizeof(line))), 0);
		}
		for (unsigned b = 0; b < 2; b++) { /* 150 rows: a batch of 100, then 50 */
			cJSON *batch = tick_batch(d, &p);
			check_batch(batch, &next, 100);
			cJSON_Delete(batch);
		}
		assert_int_equal(next, 150 * round);
		assert_null(tick_batch(d, &p));
	}
	enum job_state final;
	const struct job_caller root = { 0, true };
	assert_int_equal(jobs_cancel(d->jobs, j, &root, &final, NULL), 0);
	cJSON *b = tick_batch(d, &p);
	check_batch(b, &next, 100);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b, "complete")));
	cJSON_Delete(b);
	close(p.fd);
	free(p.buf);
	free(id);
	stop_ctl(d);
	free_daemon(d);
}

/* A subscriber that reads nothing: after the first batch fills its socket
 * and output buffer, ticks queue nothing more; once it reads, the rest
 * comes, each row once. */
static void test_slow_subscriber(void **st)
{
	struct daemon *d = new_daemon(state_dir);
	struct peer p = { .buf = NULL };
	char path[128];
	uint64_t next = 0;
	int batches = 0;
	(void)st;
	listen_ctl(d, path, sizeof(path));
	char *id = finished_job(d, 40000);
	connect_peer(&p, path);
	subscribe(d, &p, id, 0, 10000);
	for (int i = 0; i < 20; i++) { /* 20 ticks, the peer reads nothing */
		results_stream_tick(d);
		for (int k = 0; k < 5; k++)
			event_base_loop(d->base, EVLOOP_NONBLOCK);
	}
	int queued = 0;
	for (cJSON *m; (m = next_msg(d, &p, 100)); cJSON_Delete(m)) {
		assert_string_equal(cJSON_GetObjectItem(m, "method")->valuestring, "job.results");
		check_batch(cJSON_GetObjectItem(m, "params"), &next, 10000);
		queued++;
	}
	assert_true(queued >= 1 && queued <= 3); /* not the 15 batches 20 ticks could send */
	while (next < 40000 && batches < 40) {
		cJSON *b = tick_batch(d, &p);
		if (b)
			check_batch(b, &next, 10000);
		cJSON_Delete(b);
		batches++;
	}
	assert_int_equal(next, 40000);
	close(p.fd);
	free(p.buf);
	free(id);
	stop_ctl(d);
	free_daemon(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resume_after_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growing_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_subscriber, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
