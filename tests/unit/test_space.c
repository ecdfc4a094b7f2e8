/* Index space: totals with the blocklist, exact round trips, no blocked
 * address ever produced, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "permute.h"
#include "shard.h"
#include "space.h"

#include <string.h>
#include <sys/socket.h>

static int build(struct space *s, const char *targets, const char *ports, const char *block,
		 struct errbuf *e)
{
	struct range_set v4, v6;
	struct port_list p;
	struct cidr_list bl;
	const char *exprs[] = { targets };
	int r;
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	cidr_list_init(&bl);
	if (block)
		cidr_list_add(&bl, block, NULL);
	cidr_list_normalize(&bl);
	assert_int_equal(targets_parse(exprs, 1, 0, 0, &v4, &v6, e), 0);
	assert_int_equal(ports_parse(ports, &p, e), 0);
	r = space_build(s, &v4, &v6, &p, &bl, e);
	cidr_list_free(&bl);
	return r;
}

static void test_round_trip_with_holes(void **st)
{
	struct space s;
	struct errbuf e;
	struct cidr_list bl;
	(void)st;
	assert_int_equal(build(&s, "198.18.1.0/24,2001:db8::/124", "22,80,443", "198.18.1.128/26", &e), 0);
	assert_int_equal(s.nhosts, 256 - 64 + 16);
	assert_int_equal(s.total, (256 - 64 + 16) * 3);
	cidr_list_init(&bl);
	cidr_list_add(&bl, "198.18.1.128/26", NULL);
	cidr_list_normalize(&bl);
	for (uint64_t i = 0; i < s.total; i++) {
		struct ipaddr a;
		uint16_t port;
		space_at(&s, i, &a, &port);
		assert_false(cidr_list_contains(&bl, &a));
		assert_int_equal(space_index(&s, &a, port), (int64_t)i);
	}
	struct ipaddr x;
	ipaddr_parse("198.18.1.130", &x);
	assert_int_equal(space_index(&s, &x, 22), -1); /* blocked */
	ipaddr_parse("198.18.1.1", &x);
	assert_int_equal(space_index(&s, &x, 23), -1); /* port not scanned */
	ipaddr_parse("198.18.2.1", &x);
	assert_int_equal(space_index(&s, &x, 22), -1); /* not a target */
	cidr_list_free(&bl);
	space_free(&s);
}

static void test_all_blocked(void **st)
{
	struct space s;
	struct errbuf e;
	(void)st;
	assert_true(build(&s, "198.18.1.0/25", "80", "198.18.0.0/15", &e) < 0);
	assert_non_null(strstr(e.msg, "all 128 target addresses are in the blocklist"));
	space_free(&s);
}

static void test_permuted_shards_cover_allowed(void **st)
{
	struct space s;
	struct errbuf e;
	struct permutation p;
	uint8_t seen[256 * 2] = { 0 };
	(void)st;
	assert_int_equal(build(&s, "198.18.1.0/24", "80,81", "198.18.1.0/28", &e), 0);
	perm_init(&p, s.total, 42);
	for (uint32_t sh = 0; sh < 3; sh++) {
		struct slice sl = shard_slice(s.total, sh, 3, 0, 1);
		for (uint64_t pos = sl.begin; pos < sl.end; pos++) {
			struct ipaddr a;
			uint16_t port;
			space_at(&s, perm_at(&p, pos), &a, &port);
			unsigned host = (unsigned)(a.v & 0xff);
			assert_true(host >= 16);
			assert_int_equal(seen[host * 2 + (port - 80)]++, 0);
		}
	}
	for (unsigned h = 16; h < 256; h++)
		assert_true(seen[h * 2] == 1 && seen[h * 2 + 1] == 1);
	space_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_with_holes),
		cmocka_unit_test(test_all_blocked),
		cmocka_unit_test(test_permuted_shards_cover_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
