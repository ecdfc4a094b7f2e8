/* Job persistence (daemon/job/jobstore.c, jobresults.c, jobindex.c) without
 * a daemon: a stored job loads back as it was, its space from space.json
 * whatever the blocklist says now; a torn last row (crash mid-write) is cut
 * off when the job resumes; a corrupt row in the middle stays in place as a
 * hole (copied to results.corrupt), so no row number moves; corrupt
 * checkpoints are refused with the file named; pages of rows come from the
 * sparse index, results.idx is stored and loaded, a stale one is rebuilt off
 * the caller's thread, and reading a finished job writes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobindex.h"
#include "jobresults.h"
#include "jobstore.h"
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static struct config cfg;
static struct cidr_list block, allow;

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/scand-jobstore-XXXXXX");
	assert_non_null(mkdtemp(dir));
	config_defaults(&cfg);
	cfg.nnics = 1;
	snprintf(cfg.nics[0].name, sizeof(cfg.nics[0].name), "n0");
	cfg.nics[0].engine = ENGINE_NULL;
	cidr_list_init(&block);
	cidr_list_init(&allow);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void job_release(struct job *j)
{
	jobindex_cancel(j);
	jobresults_free(j);
	jobspec_free(&j->spec);
	if (j->space_ok)
		space_free(&j->space);
	if (j->dedup_ok)
		dedup_free(&j->dedup);
	free(j->pending);
	memset(j, 0, sizeof(*j));
}

/* A new job over 198.18.1.0/24 x 80,443 stored under dir, with three rows. */
static void new_job(struct job *j)
{
	cJSON *p = cJSON_Parse("{\"targets\":[\"198.18.1.0/24\"],\"ports\":\"80,443\",\"seed\":5,\"name\":\"t\"}");
	struct job_error err;
	memset(j, 0, sizeof(*j));
	j->results_fd = -1;
	snprintf(j->id, sizeof(j->id), "j000001-abcd");
	assert_int_equal(jobspec_from_json(p, &cfg, &j->spec, &err), 0);
	cJSON_Delete(p);
	assert_int_equal(jobspec_build_space(&j->spec, &cfg, &block, &allow, &j->space, &err), 0);
	j->space_ok = true;
	for (int i = 0; i < 16; i++)
		j->key[i] = (uint8_t)(i * 17);
	j->pending = calloc(1, sizeof(*j->pending));
	j->pending[0] = (struct pos_range){ 0, j->space.total };
	j->npending = 1;
	j->submitted_ms = 1764460800123ull;
	assert_int_equal(dedup_init(&j->dedup, j->space.total, cfg.dedup_bitmap_max, DEDUP_DEFAULT_WINDOW), 0);
	j->dedup_ok = true;
	assert_int_equal(jobstore_create(j, dir), 0);
	static const char *const rows[] = {
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-30T10:00:00.123Z\",\"nic\":\"sc0\"}\n",
		"{\"ip\":\"198.18.1.8\",\"port\":443,\"status\":\"closed\",\"ttl\":64,\"ts\":\"2026-11-30T10:00:00.124Z\",\"nic\":\"sc0\"}\n",
		"{\"ip\":\"198.18.1.9\",\"port\":80,\"status\":\"closed\",\"ttl\":64,\"ts\":\"2026-11-30T10:00:00.125Z\",\"nic\":\"sc0\"}\n",
	};
	for (int i = 0; i < 3; i++)
		assert_int_equal(jobresults_append(j, rows[i], strlen(rows[i])), 0);
}

/* Builds j's index on its thread and waits for it, as the job manager's
 * drain does. */
static int build_index(struct job *j, bool resume)
{
	int r = jobindex_start(j, resume);
	while (r == 0)
		if ((r = jobindex_poll(j)) == 0)
			usleep(1000);
	return r < 0 ? r : 0;
}

/* What the job manager does for an unfinished job after a restart. */
static int load(struct job *j)
{
	int r;
	memset(j, 0, sizeof(*j));
	if ((r = jobstore_load(j, dir, "j000001-abcd", &cfg)) < 0 ||
	    (r = jobstore_load_space(j, &cfg, &block, &allow)) < 0)
		return r;
	assert_int_equal(dedup_init(&j->dedup, j->space.total, cfg.dedup_bitmap_max, DEDUP_DEFAULT_WINDOW), 0);
	j->dedup_ok = true;
	return build_index(j, true);
}

static void test_round_trip(void **st)
{
	struct job j, back;
	const struct pos_range rest[] = { { 10, 20 }, { 100, 512 } };
	(void)st;
	new_job(&j);
	j.state = JOB_RUNNING;
	j.started_ms = 1764460801000ull;
	assert_int_equal(jobstore_checkpoint(&j, &(struct job_resume){ rest, 2, 98, 7 }), 0);
	assert_int_equal(load(&back), 0);
	assert_int_equal(back.state, JOB_RUNNING);
	assert_memory_equal(back.key, j.key, 16);
	assert_int_equal(back.npending, 2);
	assert_memory_equal(back.pending, rest, sizeof(rest));
	assert_int_equal(back.sent_base, 98);
	assert_int_equal(back.skipped_base, 7);
	assert_int_equal(back.nresults, 3);
	assert_int_equal(back.open, 1);
	assert_int_equal(back.closed, 2);
	assert_int_equal(back.submitted_ms, j.submitted_ms);
	assert_string_equal(back.spec.name, "t");
	assert_int_equal(back.space.total, 512);
	job_release(&back);
	job_release(&j);
}

/* A finished job keeps its summary, total included: after a restart it
 * never loads its space again, and job.status must not say total 0. */
static void test_finished_summary(void **st)
{
	struct job j, back;
	(void)st;
	new_job(&j);
	j.total = j.space.total;
	j.state = JOB_CANCELLED;
	j.finished_ms = 1764460802000ull;
	j.open = 1;
	j.closed = 2;
	assert_int_equal(jobstore_checkpoint(&j, &(struct job_resume){ NULL, 0, 98, 7 }), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(jobstore_load(&back, dir, "j000001-abcd", &cfg), 0);
	assert_int_equal(back.state, JOB_CANCELLED);
	assert_int_equal(back.total, j.space.total);
	assert_int_equal(back.sent_base, 98);
	assert_int_equal(back.nresults, 3);
	assert_int_equal(back.open, 1);
	assert_int_equal(back.closed, 2);
	assert_int_equal(back.finished_ms, j.finished_ms);
	job_release(&back);
	job_release(&j);
}

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/jobs/j000001-abcd/%s", dir, name);
}

/* A crash in the middle of a row: the partial row is cut off at load. */
static void test_torn_row(void **st)
{
	struct job j, back;
	char p[256];
	struct stat sb;
	(void)st;
	new_job(&j);
	assert_int_equal(jobstore_checkpoint(&j, &(struct job_resume){ j.pending, 1, 0, 0 }), 0);
	path(p, sizeof(p), "results.ndjson");
	assert_int_equal(stat(p, &sb), 0);
	off_t whole = sb.st_size;
	int fd = open(p, O_WRONLY | O_APPEND);
	assert_true(write(fd, "{\"ip\":\"198.18.1.10\",\"po", 23) == 23);
	close(fd);
	assert_int_equal(load(&back), 0);
	assert_int_equal(back.nresults, 3);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_size, whole);
	job_release(&back);
	job_release(&j);
}

static void expect_corrupt(const char *checkpoint)
{
	struct job j, back;
	char p[256];
	new_job(&j);
	jobresults_close(&j);
	path(p, sizeof(p), "checkpoint.json");
	assert_int_equal(statefile_write(p, checkpoint, strlen(checkpoint)), 0);
	int r = load(&back);
	if (r != -EBADMSG || !strstr(back.error, "checkpoint.json"))
		fail_msg("%s: r %d, error \"%s\"", checkpoint, r, back.error);
	job_release(&back);
	job_release(&j);
}

static void test_corrupt_checkpoint(void **st)
{
	static const char key[] = "000102030405060708090a0b0c0d0e0f";
	char buf[256];
	(void)st;
	expect_corrupt("not json");
	expect_corrupt("[1,2]");
	snprintf(buf, sizeof(buf), "{\"state\":\"bogus\",\"key\":\"%s\",\"pending\":[]}", key);
	expect_corrupt(buf);
	expect_corrupt("{\"state\":\"running\",\"key\":\"00\",\"pending\":[]}");
	snprintf(buf, sizeof(buf), "{\"state\":\"running\",\"key\":\"%s\",\"pending\":[[0,513]]}", key);
	expect_corrupt(buf); /* beyond the job's 512 positions */
	snprintf(buf, sizeof(buf), "{\"state\":\"running\",\"key\":\"%s\",\"pending\":[[20,10]]}", key);
	expect_corrupt(buf);
	snprintf(buf, sizeof(buf), "{\"state\":\"running\",\"key\":\"%s\",\"pending\":7}", key);
	expect_corrupt(buf);
}

static int collect(void *ctx, const char *row, size_t len)
{
	char *out = ctx;
	strncat(out, row, len);
	strcat(out, "|");
	return 1;
}

/* A corrupt row in the middle: moved aside with its line number, the rows
 * around it kept and served, the checkpoint untouched. */
static void test_corrupt_row(void **st)
{
	struct job j, back;
	char p[256], got[2048] = "", *text, *rows;
	uint64_t next;
	(void)st;
	new_job(&j);
	jobresults_close(&j);
	path(p, sizeof(p), "results.ndjson");
	assert_int_equal(statefile_read(p, 1 << 20, &text, NULL), 0);
	char *second = strchr(text, '\n') + 1; /* garble row 2 */
	memcpy(second, "{\"ip\":garbage", 13);
	assert_int_equal(statefile_write(p, text, strlen(text)), 0);
	rows = text;
	path(p, sizeof(p), "checkpoint.json");
	char *before;
	assert_int_equal(statefile_read(p, 1 << 20, &before, NULL), 0);
	assert_int_equal(load(&back), 0);
	assert_int_equal(back.nresults, 3); /* row numbers stay: the hole keeps its number */
	assert_int_equal(back.nholes, 1);
	assert_true(jobresults_hole(&back, 1));
	assert_int_equal(back.open, 1);
	assert_int_equal(back.closed, 1);
	assert_int_equal(jobresults_page(&back, 0, 10, collect, got, &next), 2);
	assert_int_equal(next, 3);
	assert_non_null(strstr(got, "198.18.1.7"));
	assert_non_null(strstr(got, "198.18.1.9"));
	assert_null(strstr(got, "garbage"));
	got[0] = '\0'; /* a reader resuming at row 2 gets row 2, as before the damage */
	assert_int_equal(jobresults_page(&back, 2, 10, collect, got, &next), 1);
	assert_non_null(strstr(got, "198.18.1.9"));
	path(p, sizeof(p), "results.ndjson"); /* the file is left as it was */
	assert_int_equal(statefile_read(p, 1 << 20, &text, NULL), 0);
	assert_string_equal(text, rows);
	free(text);
	free(rows);
	path(p, sizeof(p), "results.corrupt");
	assert_int_equal(statefile_read(p, 1 << 20, &text, NULL), 0);
	assert_true(strncmp(text, "line 2: {\"ip\":garbage", 21) == 0);
	free(text);
	path(p, sizeof(p), "checkpoint.json");
	assert_int_equal(statefile_read(p, 1 << 20, &text, NULL), 0);
	assert_string_equal(text, before); /* the job's state is not touched */
	free(text);
	free(before);
	job_release(&back);
	job_release(&j);
}

/* The space comes from space.json: a blocklist that grew since the submit
 * changes nothing (the checkpoint's positions keep their meaning). */
static void test_space_kept(void **st)
{
	struct job j, back;
	(void)st;
	new_job(&j);
	jobresults_close(&j);
	cidr_list_add(&block, "198.18.1.0/25", NULL);
	cidr_list_normalize(&block);
	assert_int_equal(load(&back), 0);
	assert_int_equal(back.space.total, 512);
	for (uint64_t i = 0; i < back.space.total; i += 37) {
		struct ipaddr a1, a2;
		uint16_t p1, p2;
		space_at(&j.space, i, &a1, &p1);
		space_at(&back.space, i, &a2, &p2);
		assert_true(a1.v == a2.v && p1 == p2);
	}
	cidr_list_free(&block);
	cidr_list_init(&block);
	job_release(&back);
	job_release(&j);
}

/* Pages over many rows use the sparse index (a mark every 256 rows). */
static void test_pages(void **st)
{
	struct job j;
	char row[160], got[4096];
	(void)st;
	new_job(&j); /* 3 rows */
	for (int i = 0; i < 997; i++) {
		int n = snprintf(row, sizeof(row),
				 "{\"ip\":\"198.18.2.%d\",\"port\":%d,\"status\":\"closed\",\"ttl\":64,\"ts\":\"2026-11-30T10:00:00.000Z\",\"nic\":\"sc0\"}\n",
				 i % 256, 1000 + i);
		assert_int_equal(jobresults_append(&j, row, (size_t)n), 0);
	}
	assert_int_equal(j.nresults, 1000);
	assert_int_equal(j.nmarks, 4);
	for (uint64_t first = 0; first < 1000; first += 211) {
		uint64_t next;
		got[0] = '\0';
		assert_int_equal(jobresults_page(&j, first, 3, collect, got, &next), first + 3 <= 1000 ? 3 : 1000 - first);
		assert_int_equal(next, MIN(first + 3, 1000));
		if (first >= 3) {
			snprintf(row, sizeof(row), "\"port\":%llu,", (unsigned long long)(1000 + first - 3));
			assert_non_null(strstr(got, row));
		}
	}
	job_release(&j);
}

/* A finished job: results.idx written at the end is loaded at once (no
 * rebuild); once the results file changes it is stale, and the reader is
 * told to retry while a thread rebuilds it; reading writes nothing, not
 * even a torn last row is cut. */
static void test_index_file(void **st)
{
	struct job j, back;
	struct job_error err = { 0 };
	char p[256], got[1024] = "";
	struct stat before, after;
	uint64_t next;
	(void)st;
	new_job(&j);
	j.state = JOB_DONE;
	assert_int_equal(jobstore_checkpoint(&j, &(struct job_resume){ NULL, 0, 512, 0 }), 0);
	jobresults_close(&j);
	assert_int_equal(jobindex_save(&j), 0);
	memset(&back, 0, sizeof(back));
	back.results_fd = -1;
	assert_int_equal(jobstore_load(&back, dir, "j000001-abcd", &cfg), 0);
	assert_false(back.indexed);
	assert_int_equal(jobindex_ready(&back, &err), 0); /* results.idx: ready at once */
	assert_null(back.index_build);
	assert_int_equal(jobresults_page(&back, 0, 10, collect, got, &next), 3);
	jobresults_free(&back);

	path(p, sizeof(p), "results.ndjson"); /* a torn row appended: the index is stale */
	int fd = open(p, O_WRONLY | O_APPEND);
	assert_true(write(fd, "{\"ip\":\"198.18.1.10\",\"po", 23) == 23);
	close(fd);
	assert_int_equal(stat(p, &before), 0);
	assert_true(jobindex_ready(&back, &err) < 0);
	assert_int_equal(err.kind, JOB_ERR_LIMIT);
	assert_int_equal(err.retry_ms, JOBINDEX_RETRY_MS);
	assert_non_null(back.index_build);
	while (jobindex_poll(&back) == 0)
		usleep(1000);
	assert_int_equal(jobindex_ready(&back, &err), 0);
	assert_int_equal(back.nresults, 3);
	got[0] = '\0';
	assert_int_equal(jobresults_page(&back, 0, 10, collect, got, &next), 3);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(after.st_size, before.st_size); /* nothing cut */
	assert_true(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_mtim.tv_sec == before.st_mtim.tv_sec);
	job_release(&back);
	job_release(&j);
}

/* Readers of three jobs without results.idx: two rebuild threads run, the
 * third rebuild waits for a slot and is started by a later poll. */
static void test_index_builds_capped(void **st)
{
	struct job j, back[3];
	struct job_error err = { 0 };
	(void)st;
	new_job(&j);
	j.state = JOB_DONE;
	assert_int_equal(jobstore_checkpoint(&j, &(struct job_resume){ NULL, 0, 512, 0 }), 0);
	jobresults_close(&j);
	for (int i = 0; i < 3; i++) {
		memset(&back[i], 0, sizeof(back[i]));
		back[i].results_fd = -1;
		assert_int_equal(jobstore_load(&back[i], dir, "j000001-abcd", &cfg), 0);
		assert_true(jobindex_ready(&back[i], &err) < 0);
		assert_int_equal(err.kind, JOB_ERR_LIMIT);
		assert_non_null(back[i].index_build);
	}
	assert_int_equal(jobindex_builds_running(), JOBINDEX_MAX_BUILDS);
	for (int ready = 0; ready < 3; usleep(1000))
		for (int i = ready = 0; i < 3; i++) {
			assert_true(jobindex_poll(&back[i]) >= 0);
			assert_true(jobindex_builds_running() <= JOBINDEX_MAX_BUILDS);
			ready += back[i].indexed;
		}
	assert_int_equal(jobindex_builds_running(), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(back[i].nresults, 3);
		job_release(&back[i]);
	}
	job_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finished_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_space_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_builds_capped, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
