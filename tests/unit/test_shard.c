/* Property test: for random (n, shards N, workers T, seed) the slices of all
 * shards and workers, through the permutation, cover [0, n) exactly once,
 * and a shard's slice does not depend on T. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "permute.h"
#include "shard.h"

#include <stdlib.h>

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check(uint64_t n, uint32_t shards, uint32_t workers, uint64_t seed)
{
	struct permutation p;
	uint8_t *seen = calloc(n / 8 + 1, 1);
	uint64_t count = 0;
	assert_non_null(seen);
	perm_init(&p, n, seed);
	for (uint32_t s = 0; s < shards; s++) {
		struct slice whole = shard_slice(n, s, shards, 0, 1);
		uint64_t prev_end = whole.begin;
		for (uint32_t w = 0; w < workers; w++) {
			struct slice sl = shard_slice(n, s, shards, w, workers);
			assert_true(sl.begin == prev_end && sl.end >= sl.begin);
			prev_end = sl.end;
			for (uint64_t pos = sl.begin; pos < sl.end; pos++) {
				uint64_t v = perm_at(&p, pos);
				if (seen[v / 8] & (1u << (v % 8)))
					fail_msg("n=%llu N=%u T=%u: index %llu twice", (unsigned long long)n,
						 shards, workers, (unsigned long long)v);
				seen[v / 8] |= (uint8_t)(1u << (v % 8));
				count++;
			}
		}
		assert_int_equal(prev_end, whole.end); /* workers tile the shard */
		uint64_t len = whole.end - whole.begin;
		assert_true(len == n / shards || len == n / shards + 1);
	}
	assert_int_equal(count, n);
	free(seen);
}

static void test_random_combinations(void **st)
{
	uint64_t s = 0x1234567;
	(void)st;
	for (int i = 0; i < 600; i++) {
		uint64_t n = 1 + rnd(&s) % (i % 10 == 0 ? 200000 : 5000);
		uint32_t shards = 1 + (uint32_t)(rnd(&s) % (i % 7 == 0 ? 2 * n + 3 : 40));
		uint32_t workers = 1 + (uint32_t)(rnd(&s) % 70);
		check(n, shards, workers, rnd(&s));
	}
}

static void test_edges(void **st)
{
	(void)st;
	check(5, 7, 1, 1);   /* N larger than the space */
	check(5, 3, 4, 2);   /* N*T larger than the space */
	check(1, 1, 64, 3);
	check(1270, 3, 1, 4);
	check(1000, 3, 3, 5); /* not a multiple */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_combinations),
		cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
