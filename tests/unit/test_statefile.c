/* State files (common/statefile.c): a read error is an error, never an
 * empty file; files in /proc (size 0 in stat) are read whole; the reader
 * for files a client names refuses what is not a regular file at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "statefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_read_errors(void **st)
{
	char *text = NULL;
	size_t len = 0;
	(void)st;
	/* a directory opens, but read() fails: EISDIR, not an empty file */
	assert_int_equal(statefile_read("/tmp", 1 << 20, &text, &len), -EISDIR);
	assert_int_equal(statefile_read("/nonexistent/x", 1 << 20, &text, &len), -ENOENT);
	assert_int_equal(statefile_read("/proc/self/status", 1 << 20, &text, &len), 0);
	assert_true(len > 100 && strstr(text, "VmRSS") != NULL); /* stat says size 0 */
	free(text);
	assert_int_equal(statefile_read("/proc/self/status", 16, &text, &len), -EFBIG);
}

static char *dirname_of(char *path)
{
	static char dir[128];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	return dir;
}

static void test_write_read(void **st)
{
	char dir[] = "/tmp/scand-statefile-XXXXXX", path[128], link[128], fifo[128], *text;
	size_t len;
	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/state.json", dir);
	assert_int_equal(statefile_mkdirs(dirname_of(path), 0750), 0);
	assert_int_equal(statefile_write(path, "{\"x\":1}", 7), 0);
	assert_int_equal(statefile_read_regular(path, 100, &text, &len), 0);
	assert_string_equal(text, "{\"x\":1}");
	free(text);
	assert_int_equal(statefile_read_regular(path, 6, &text, &len), -EFBIG);
	/* replace (no fsync): the new content whole, no temporary file left */
	assert_int_equal(statefile_replace(path, "{\"x\":22}", 8), 0);
	assert_int_equal(statefile_read(path, 100, &text, &len), 0);
	assert_string_equal(text, "{\"x\":22}");
	free(text);
	snprintf(link, sizeof(link), "%s.tmp", path);
	assert_int_equal(access(link, F_OK), -1);
	snprintf(link, sizeof(link), "%s/none/state.json", dir);
	assert_int_equal(statefile_replace(link, "x", 1), -ENOENT);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(statefile_read_regular(link, 100, &text, &len), -ELOOP);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(statefile_read_regular(fifo, 100, &text, &len), -EINVAL); /* no block */
	assert_int_equal(statefile_read_regular(dir, 100, &text, &len), -EINVAL);
	assert_int_equal(statefile_read_regular("/dev/zero", 100, &text, &len), -EINVAL);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_write_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
