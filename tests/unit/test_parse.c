/* The value parsers the config file and job.submit share (common/parse.c)
 * and the shell-like word splitter (common/argv.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "argv.h"
#include "parse.h"

#include <errno.h>
#include <string.h>

static void test_u64(void **st)
{
	uint64_t v;
	(void)st;
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &v), -EINVAL);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64("+1", &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(parse_u64("", &v), -EINVAL);
}

static void test_mac_and_ports(void **st)
{
	uint8_t mac[6];
	uint16_t lo, n;
	(void)st;
	assert_int_equal(mac_parse("02:aB:00:00:00:ff", mac), 0);
	assert_true(mac[1] == 0xab && mac[5] == 0xff);
	assert_true(mac_parse("02:ab:00:00:00", mac) < 0);
	assert_true(mac_parse("02:ab:00:00:00:0g", mac) < 0);
	assert_true(mac_parse("02:ab:00:00:00:00:00", mac) < 0);
	assert_int_equal(port_range_parse("40000-40063", &lo, &n), 0);
	assert_true(lo == 40000 && n == 64);
	assert_int_equal(port_range_parse("5", &lo, &n), 0);
	assert_true(lo == 5 && n == 1);
	assert_int_equal(port_range_parse("1-65535", &lo, &n), 0);
	assert_true(lo == 1 && n == 65535);
	assert_int_equal(port_range_parse("0-10", &lo, &n), -ERANGE);
	assert_int_equal(port_range_parse("10-65536", &lo, &n), -ERANGE);
	assert_int_equal(port_range_parse("20-10", &lo, &n), -ERANGE);
	assert_int_equal(port_range_parse("-5", &lo, &n), -EINVAL);
	assert_int_equal(port_range_parse("5-", &lo, &n), -EINVAL);
	assert_int_equal(port_range_parse("5 - 6", &lo, &n), -EINVAL);
	assert_int_equal(port_range_parse("4000000000000000000000-1", &lo, &n), -EINVAL);
}

/* One parser for "I/N" (the config's [scan] shard and job.submit's shard). */
static void test_shard(void **st)
{
	static const char *const bad[] = { "0/ 4", " 0/4", "0 /4", "0/4 ", "-1/4", "+0/4", "0/+4",
					   "0/", "/4", "0", "0/4/2", "a/4", "0x1/4", "" };
	uint64_t i, n;
	(void)st;
	assert_int_equal(shard_parse("0/4", &i, &n), 0);
	assert_true(i == 0 && n == 4);
	assert_int_equal(shard_parse("65535/65536", &i, &n), 0);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		if (shard_parse(bad[k], &i, &n) != -EINVAL)
			fail_msg("\"%s\" should be a syntax error", bad[k]);
	assert_int_equal(shard_parse("4/4", &i, &n), -ERANGE);
	assert_true(i == 4 && n == 4); /* set, for the caller's message */
	assert_int_equal(shard_parse("0/0", &i, &n), -ERANGE);
	assert_int_equal(shard_parse("0/65537", &i, &n), -ERANGE);
}

static int split(const char *s, char **words, char *buf, size_t cap, struct errbuf *e)
{
	const struct argv_buf out = { buf, cap, words, ARGV_MAX_WORDS };
	return argv_split(s, "[dpdk] eal_args", &out, e);
}

static void test_argv(void **st)
{
	char buf[256], *w[ARGV_MAX_WORDS + 1], many[400] = "";
	struct errbuf e;
	(void)st;
	assert_int_equal(split("  -l 0  --vdev='net_null0,x=1' \"a \\\"b\\\\\" c\\ d ", w, buf, sizeof(buf), &e), 5);
	assert_string_equal(w[0], "-l");
	assert_string_equal(w[1], "0");
	assert_string_equal(w[2], "--vdev=net_null0,x=1");
	assert_string_equal(w[3], "a \"b\\");
	assert_string_equal(w[4], "c d");
	assert_null(w[5]);
	assert_int_equal(split("", w, buf, sizeof(buf), &e), 0);
	assert_null(w[0]);
	assert_int_equal(split("a 'b", w, buf, sizeof(buf), &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: unterminated ' quote at position 3; close it");
	for (int i = 0; i <= ARGV_MAX_WORDS; i++)
		strcat(many, "x ");
	assert_int_equal(split(many, w, buf, sizeof(buf), &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: more than 64 words");
	assert_int_equal(split("abcdefgh", w, buf, 5, &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: longer than 4 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_mac_and_ports),
		cmocka_unit_test(test_shard),
		cmocka_unit_test(test_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
