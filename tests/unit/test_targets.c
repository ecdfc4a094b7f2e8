/* Targets and ports parsers: accepted forms and every error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "targets.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int parse(const char *expr, struct range_set *v4, struct range_set *v6, struct errbuf *e)
{
	const char *exprs[] = { expr };
	ranges_init(v4, AF_INET);
	ranges_init(v6, AF_INET6);
	return targets_parse(exprs, 1, 0, 0, v4, v6, e);
}

static void test_forms(void **st)
{
	struct range_set v4, v6;
	struct errbuf e;
	(void)st;
	assert_int_equal(parse("198.18.1.0/24, 198.18.2.7 198.18.3.10-198.18.3.19,2001:db8::/120,2001:db8:1::5", &v4, &v6, &e), 0);
	assert_true(ranges_count(&v4) == 256 + 1 + 10);
	assert_true(ranges_count(&v6) == 256 + 1);
	ranges_free(&v4);
	ranges_free(&v6);
	const char *multi[] = { "198.18.1.1", "198.18.1.2" };
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	assert_int_equal(targets_parse(multi, 2, 0, 0, &v4, &v6, &e), 0);
	assert_int_equal(v4.n, 1); /* merged */
	ranges_free(&v4);
	ranges_free(&v6);
}

static void expect_target_error(const char *expr, const char *needle)
{
	struct range_set v4, v6;
	struct errbuf e = { "" };
	if (parse(expr, &v4, &v6, &e) == 0)
		fail_msg("\"%s\" should fail", expr);
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", expr, e.msg, needle);
	ranges_free(&v4);
	ranges_free(&v6);
}

static void test_target_errors(void **st)
{
	(void)st;
	expect_target_error("198.18.1.0/24,10.0.0.0/33", "targets[0] token 2 \"10.0.0.0/33\" at position 14: prefix length \"33\"");
	expect_target_error("2001:db8::/64", "IPv6 prefix /64 is too large to enumerate; use a prefix of /96 or longer");
	expect_target_error("198.18.1.20-198.18.1.10", "range start is after its end; write 198.18.1.10-198.18.1.20");
	expect_target_error("198.18.1.1-2001:db8::1", "mixes IPv4 and IPv6");
	expect_target_error("example.com", "\"example.com\" is not an IPv4 or IPv6 address");
	expect_target_error("", "targets is empty");
	expect_target_error(" , ,", "targets is empty");
	expect_target_error("1.2.3.4/x", "prefix length \"x\"");
	expect_target_error("2001:db8::-2001:db8::1:0:0", "more than 2^32 addresses");
	/* found by fuzzing: a long token whose '-' lies past the range buffer */
	expect_target_error("1111111111111111111111111111111111111111111111111111111111111111111111-1",
			    "too long to be an address range");
}

static void test_limits(void **st)
{
	struct range_set v4, v6;
	struct errbuf e;
	const char *exprs[] = { "198.18.1.1,198.18.1.2,198.18.1.3" };
	(void)st;
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	assert_int_equal(targets_parse(exprs, 1, 10, 0, &v4, &v6, &e), -7);
	assert_non_null(strstr(e.msg, "the limit is 10"));
	assert_int_equal(targets_parse(exprs, 1, 0, 2, &v4, &v6, &e), -7);
	assert_non_null(strstr(e.msg, "more than 2 target tokens"));
	ranges_free(&v4);
	ranges_free(&v6);
}

static void test_ports(void **st)
{
	struct port_list p;
	struct errbuf e;
	(void)st;
	assert_int_equal(ports_parse("443,22, 80,8000-8010,80", &p, &e), 0);
	assert_int_equal(p.n, 3 + 11);
	assert_int_equal(p.port[0], 22);
	assert_int_equal(p.port[13], 8010);
	ports_free(&p);
	assert_int_equal(ports_parse("1-65535", &p, &e), 0);
	assert_int_equal(p.n, 65535);
	ports_free(&p);
}

static void expect_port_error(const char *expr, const char *needle)
{
	struct port_list p;
	struct errbuf e = { "" };
	if (ports_parse(expr, &p, &e) == 0)
		fail_msg("\"%s\" should fail", expr);
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", expr, e.msg, needle);
}

static void test_port_errors(void **st)
{
	(void)st;
	expect_port_error("0", "port 0 is not scannable; use 1-65535");
	expect_port_error("22,65536", "ports token \"65536\" at position 3: port 65536 is out of range 1-65535");
	expect_port_error("80-22", "range start 80 is greater than end 22; write 22-80");
	expect_port_error("", "ports is empty");
	expect_port_error("22,,80", "empty entry at position 3");
	expect_port_error("http", "not a port number");
	expect_port_error("-5", "missing port number");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),	  cmocka_unit_test(test_target_errors),
		cmocka_unit_test(test_limits),	  cmocka_unit_test(test_ports),
		cmocka_unit_test(test_port_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
