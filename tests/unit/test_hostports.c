/* Source-port reservations (daemon/nic/hostports.c) on a file standing in
 * for net.ipv4.ip_local_reserved_ports: the sysctl's format parsed and
 * printed (its "0" for an empty list included), reserve and release giving
 * back only what scand added, and the record a crashed scand leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostports.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], sysctl[128];

static void put_sysctl(const char *s)
{
	FILE *f = fopen(sysctl, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static const char *get_sysctl(void)
{
	static char buf[1 << 16];
	FILE *f = fopen(sysctl, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Leaves a stack of 0xff bytes below the caller, where the parser's locals
 * will live: a local it reads before setting is then 0xffff, not a lucky 0. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile uint8_t junk[16384];
	for (size_t i = 0; i < sizeof(junk); i++) /* volatile: the stores stay */
		junk[i] = 0xff;
}

static bool all_clear(const uint8_t *bits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bits[i])
			return false;
	return true;
}

/* The kernel shows "0" when nothing is reserved: an empty list, and no
 * write past the 8 KiB bitmap (the guard after it stays clear). */
static void test_parse_zero(void **st)
{
	static const char *const empty[] = { "0", "0\n", "", "\n" };
	struct {
		uint8_t bits[65536 / 8];
		uint8_t guard[65536 / 8];
	} *b = calloc(1, sizeof(*b));
	(void)st;
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		memset(b->bits, 0xaa, sizeof(b->bits));
		dirty_stack();
		assert_int_equal(hostports_parse(empty[i], b->bits), 0);
		assert_true(all_clear(b->bits, sizeof(b->bits)));
		assert_true(all_clear(b->guard, sizeof(b->guard)));
	}
	free(b);
}

static void test_parse_format(void **st)
{
	uint8_t bits[65536 / 8];
	char *s;
	(void)st;
	assert_int_equal(hostports_parse("22,40000-40063,65535\n", bits), 0);
	s = hostports_format(bits);
	assert_string_equal(s, "22,40000-40063,65535");
	free(s);
	assert_int_equal(hostports_parse("1-65535", bits), 0);
	s = hostports_format(bits);
	assert_string_equal(s, "1-65535");
	free(s);
	assert_int_equal(hostports_parse("40000-30000", bits), -EINVAL);
	assert_int_equal(hostports_parse("x", bits), -EINVAL);
	assert_int_equal(hostports_parse("0-5", bits), -EINVAL);
}

/* What the host had reserved stays; only scand's ports come and go. */
static void test_reserve_release(void **st)
{
	struct hostports *hp = calloc(1, sizeof(*hp));
	char rec[128];
	(void)st;
	put_sysctl("0\n");
	assert_int_equal(hostports_init(hp, dir, sysctl), 0);
	put_sysctl("8080,40010\n");
	assert_int_equal(hostports_reserve(hp, "j1", 40000, 64), 0);
	assert_string_equal(get_sysctl(), "8080,40000-40063\n");
	assert_int_equal(hostports_reserve(hp, "j2", 40050, 20), 0);
	assert_string_equal(get_sysctl(), "8080,40000-40069\n");
	hostports_release(hp, "j1");
	assert_string_equal(get_sysctl(), "8080,40010,40050-40069\n");
	/* a crash now: the next start gives back j2's ports, keeps the host's */
	snprintf(rec, sizeof(rec), "%s/reserved_ports", dir);
	assert_int_equal(access(rec, F_OK), 0);
	assert_int_equal(hostports_init(hp, dir, sysctl), 0);
	assert_string_equal(get_sysctl(), "8080,40010\n");
	assert_int_equal(access(rec, F_OK), -1);
	/* the last release empties the sysctl with a lone newline */
	put_sysctl("0\n");
	assert_int_equal(hostports_reserve(hp, "j3", 61000, 64), 0);
	hostports_release(hp, "j3");
	assert_string_equal(get_sysctl(), "\n");
	free(hp);
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/scand-hp.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sysctl, sizeof(sysctl), "%s/ip_local_reserved_ports", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_zero),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_reserve_release),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
