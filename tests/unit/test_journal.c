/* journald native protocol: the datagram a log line becomes (fields, the
 * binary form for a multi-line value, JOB_ID from "job <id>" messages), and
 * JOURNAL_STREAM naming stderr or another file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct sink {
	char dir[64];
	char path[128];
	int fd;
};

static int sink_setup(void **state)
{
	struct sink *s = calloc(1, sizeof(*s));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_non_null(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/test_journal.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/socket", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*state = s;
	return 0;
}

static int sink_teardown(void **state)
{
	struct sink *s = *state;
	close(s->fd);
	unlink(s->path);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* Receives one datagram and decodes it into name/value pairs (both forms). */
struct fields {
	char name[8][32];
	char value[8][2048];
	size_t vlen[8];
	int n;
};

static void receive(struct sink *s, struct fields *f)
{
	char buf[8192];
	ssize_t len = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	size_t i = 0;
	assert_true(len > 0);
	memset(f, 0, sizeof(*f));
	while (i < (size_t)len) {
		size_t start = i, vlen;
		while (i < (size_t)len && buf[i] != '=' && buf[i] != '\n')
			i++;
		assert_true(i < (size_t)len && f->n < 8 && i - start < 32);
		memcpy(f->name[f->n], buf + start, i - start);
		if (buf[i] == '=') {
			char *nl = memchr(buf + i + 1, '\n', (size_t)len - i - 1);
			assert_non_null(nl);
			vlen = (size_t)(nl - (buf + i + 1));
			memcpy(f->value[f->n], buf + i + 1, vlen);
			i += vlen + 2;
		} else {
			uint64_t n = 0;
			assert_true(i + 9 <= (size_t)len);
			for (int b = 0; b < 8; b++)
				n |= (uint64_t)(uint8_t)buf[i + 1 + b] << (8 * b);
			vlen = (size_t)n;
			assert_true(i + 9 + vlen + 1 <= (size_t)len && vlen < 2048);
			memcpy(f->value[f->n], buf + i + 9, vlen);
			assert_int_equal(buf[i + 9 + vlen], '\n');
			i += 9 + vlen + 1;
		}
		f->vlen[f->n++] = vlen;
	}
}

static const char *get(const struct fields *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

static void test_fields(void **state)
{
	struct sink *s = *state;
	struct fields f;
	const char *msg = "job j000007-0a1f running: 508 probes at 5000 pps on 1 queue(s)";
	assert_int_equal(journal_send(s->path, 6, msg), 0);
	receive(s, &f);
	assert_int_equal(f.n, 4);
	assert_string_equal(get(&f, "PRIORITY"), "6");
	assert_string_equal(get(&f, "SYSLOG_IDENTIFIER"), "scand");
	assert_string_equal(get(&f, "MESSAGE"), msg);
	assert_string_equal(get(&f, "JOB_ID"), "j000007-0a1f");
}

static void test_no_job(void **state)
{
	struct sink *s = *state;
	struct fields f;
	static const char *const msgs[] = { "ready on /run/scand/control.sock", "jobs: 3 loaded",
					    "job ", "job : x", "job a/b: path", "a job j1: not first" };
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(journal_send(s->path, 3, msgs[i]), 0);
		receive(s, &f);
		assert_null(get(&f, "JOB_ID"));
		assert_string_equal(get(&f, "MESSAGE"), msgs[i]);
		assert_string_equal(get(&f, "PRIORITY"), "3");
	}
}

static void test_job_id_forms(void **state)
{
	char id[32];
	char longid[64];
	(void)state;
	assert_int_equal(journal_job_id("job j000001-0001: done", id, sizeof(id)), 12);
	assert_string_equal(id, "j000001-0001");
	assert_int_equal(journal_job_id("job abc_9", id, sizeof(id)), 5);
	assert_string_equal(id, "abc_9");
	/* an id that does not fit is not cut short */
	memset(longid, 'x', sizeof(longid));
	memcpy(longid, "job ", 4);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(journal_job_id(longid, id, sizeof(id)), 0);
	assert_int_equal(journal_job_id("job j1 x", id, 2), 0);
	assert_int_equal(journal_job_id("job j1 x", id, 3), 2);
}

static void test_multiline_value(void **state)
{
	struct sink *s = *state;
	struct fields f;
	const char *msg = "job j9: first line\nsecond line";
	assert_int_equal(journal_send(s->path, 4, msg), 0);
	receive(s, &f);
	assert_int_equal(f.vlen[2], strlen(msg));
	assert_string_equal(get(&f, "MESSAGE"), msg);
	assert_string_equal(get(&f, "JOB_ID"), "j9");
}

static void test_errors(void **state)
{
	struct sink *s = *state;
	char big[5000], path[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(journal_send(s->path, 6, big), -EMSGSIZE);
	snprintf(path, sizeof(path), "%s/absent", s->dir);
	assert_int_equal(journal_send(path, 6, "x"), -ENOENT);
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(journal_send(path, 6, "x"), -ENAMETOOLONG);
	/* nothing reached the sink */
	assert_true(recv(s->fd, big, sizeof(big), MSG_DONTWAIT) < 0);
}

static void test_stream_is_stderr(void **state)
{
	struct stat st;
	char v[64];
	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(journal_is_stderr(), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	assert_int_equal(journal_is_stderr(), 1);
	/* stderr redirected elsewhere (another inode): not the journal */
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	assert_int_equal(journal_is_stderr(), 0);
	snprintf(v, sizeof(v), "%llu:%llux", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	assert_int_equal(journal_is_stderr(), 0);
	setenv("JOURNAL_STREAM", "", 1);
	assert_int_equal(journal_is_stderr(), 0);
	unsetenv("JOURNAL_STREAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, sink_setup, sink_teardown),
		cmocka_unit_test_setup_teardown(test_no_job, sink_setup, sink_teardown),
		cmocka_unit_test(test_job_id_forms),
		cmocka_unit_test_setup_teardown(test_multiline_value, sink_setup, sink_teardown),
		cmocka_unit_test_setup_teardown(test_errors, sink_setup, sink_teardown),
		cmocka_unit_test(test_stream_is_stderr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
