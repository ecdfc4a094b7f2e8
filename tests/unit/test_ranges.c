/* Interval sets, CIDR lists and the shipped blocklist. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "blocklist.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void test_normalize_merges(void **st)
{
	struct range_set s;
	(void)st;
	ranges_init(&s, AF_INET);
	ranges_add(&s, 10, 20);
	ranges_add(&s, 21, 30); /* adjacent */
	ranges_add(&s, 5, 12);	/* overlapping */
	ranges_add(&s, 40, 50);
	ranges_normalize(&s);
	assert_int_equal(s.n, 2);
	assert_true(s.r[0].lo == 5 && s.r[0].hi == 30 && s.r[1].lo == 40);
	assert_true(ranges_count(&s) == 26 + 11);
	assert_true(ranges_contains(&s, 5) && ranges_contains(&s, 30) && !ranges_contains(&s, 31));
	assert_int_equal(ranges_add(&s, 9, 8), -22);
	ranges_free(&s);
}

static void test_subtract(void **st)
{
	struct range_set a, b;
	(void)st;
	ranges_init(&a, AF_INET);
	ranges_init(&b, AF_INET);
	ranges_add(&a, 0, 100);
	ranges_add(&a, 200, 300);
	ranges_add(&b, 0, 9);
	ranges_add(&b, 50, 59);
	ranges_add(&b, 95, 250);
	ranges_normalize(&a);
	ranges_normalize(&b);
	assert_int_equal(ranges_subtract(&a, &b), 0);
	assert_int_equal(a.n, 3);
	assert_true(a.r[0].lo == 10 && a.r[0].hi == 49);
	assert_true(a.r[1].lo == 60 && a.r[1].hi == 94);
	assert_true(a.r[2].lo == 251 && a.r[2].hi == 300);
	ranges_free(&a);
	ranges_free(&b);
}

static void test_top_of_ipv6_space(void **st)
{
	struct range_set a, b;
	u128 max = ~(u128)0;
	(void)st;
	ranges_init(&a, AF_INET6);
	ranges_init(&b, AF_INET6);
	ranges_add(&a, max - 10, max);
	ranges_add(&a, 0, max - 11); /* adjacent: whole space */
	ranges_normalize(&a);
	assert_int_equal(a.n, 1);
	assert_true(ranges_count(&a) == (u128)1 << 127); /* saturates */
	ranges_add(&b, max - 5, max);
	ranges_normalize(&b);
	assert_int_equal(ranges_subtract(&a, &b), 0);
	assert_true(a.r[0].hi == max - 6);
	assert_false(ranges_contains(&a, max));
	ranges_free(&a);
	ranges_free(&b);
}

static void test_covers(void **st)
{
	struct cidr_list allow, t;
	u128 out = 0;
	(void)st;
	cidr_list_init(&allow);
	cidr_list_init(&t);
	assert_int_equal(cidr_list_add(&allow, "198.18.0.0/16", NULL), 0);
	assert_int_equal(cidr_list_add(&allow, "198.19.0.0/16", NULL), 0);
	cidr_list_normalize(&allow);
	cidr_list_add(&t, "198.18.255.0/24", NULL);
	cidr_list_add(&t, "198.19.0.0/24", NULL);
	cidr_list_normalize(&t);
	assert_true(ranges_covers(&allow.v4, &t.v4, NULL));
	cidr_list_add(&t, "198.20.0.5", NULL);
	cidr_list_normalize(&t);
	assert_false(ranges_covers(&allow.v4, &t.v4, &out));
	assert_true(out == ((198u << 24) | (20u << 16) | 5));
	cidr_list_free(&allow);
	cidr_list_free(&t);
}

static void test_cidr_errors(void **st)
{
	struct cidr_list l;
	struct errbuf e;
	(void)st;
	cidr_list_init(&l);
	assert_int_equal(cidr_list_add(&l, "10.0.0.0/33", &e), -22);
	assert_non_null(strstr(e.msg, "out of range 0-32"));
	assert_int_equal(cidr_list_add(&l, "10.0.0", &e), -22);
	assert_non_null(strstr(e.msg, "not an IPv4 or IPv6 address"));
	assert_int_equal(cidr_list_add(&l, "2001:db8::/129", &e), -22);
	assert_int_equal(cidr_list_add(&l, "10.1.2.3/8", &e), 0); /* host bits cleared */
	cidr_list_normalize(&l);
	assert_true(l.v4.r[0].lo == (10u << 24) && l.v4.r[0].hi == ((10u << 24) | 0xffffff));
	cidr_list_free(&l);
}

static void test_shipped_blocklist(void **st)
{
	struct cidr_list l;
	struct errbuf e;
	char path[512];
	static const char *const blocked[] = { "0.1.2.3",     "10.9.9.9",     "100.64.0.1",
					       "127.0.0.1",   "169.254.1.1",  "172.16.0.1",
					       "192.0.0.1",   "192.0.2.1",    "192.168.1.1",
					       "198.18.1.1",  "198.19.255.1", "198.51.100.1",
					       "203.0.113.9", "224.0.0.1",    "240.0.0.1",
					       "255.255.255.255", "::1",      "fe80::1",
					       "2001:db8::1", "fc00::1",      "ff02::1" };
	static const char *const open[] = { "1.1.1.1", "8.8.8.8", "198.20.0.1", "2a00::1" };
	(void)st;
	snprintf(path, sizeof(path), "%s/config/blocklist.conf", getenv("SRCDIR") ? getenv("SRCDIR") : ".");
	cidr_list_init(&l);
	if (cidr_list_load_file(&l, path, &e) < 0)
		fail_msg("%s", e.msg);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++) {
		struct ipaddr a;
		ipaddr_parse(blocked[i], &a);
		if (!cidr_list_contains(&l, &a))
			fail_msg("%s should be blocked", blocked[i]);
	}
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		struct ipaddr a;
		ipaddr_parse(open[i], &a);
		assert_false(cidr_list_contains(&l, &a));
	}
	cidr_list_free(&l);
	/* a bad line names the file and line */
	assert_true(cidr_list_load_file(&l, "/nonexistent/block", &e) < 0);
	assert_non_null(strstr(e.msg, "cannot read /nonexistent/block"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_merges), cmocka_unit_test(test_subtract),
		cmocka_unit_test(test_top_of_ipv6_space), cmocka_unit_test(test_covers),
		cmocka_unit_test(test_cidr_errors),	  cmocka_unit_test(test_shipped_blocklist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
