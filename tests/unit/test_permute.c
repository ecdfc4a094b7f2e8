/* The permutation is a bijection on [0, n) for many sizes, and depends on the seed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "permute.h"

#include <stdlib.h>
#include <string.h>

static void check_bijection(uint64_t n, uint64_t seed)
{
	struct permutation p;
	uint8_t *seen = calloc((n + 7) / 8, 1);
	assert_non_null(seen);
	perm_init(&p, n, seed);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = perm_at(&p, i);
		if (v >= n)
			fail_msg("n=%llu: perm(%llu) = %llu out of range", (unsigned long long)n,
				 (unsigned long long)i, (unsigned long long)v);
		if (seen[v / 8] & (1u << (v % 8)))
			fail_msg("n=%llu: %llu produced twice", (unsigned long long)n,
				 (unsigned long long)v);
		seen[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	free(seen);
}

static void test_sizes(void **st)
{
	static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 255, 256, 257,
					  65521, 65522, 65536, 65537, 1000003, 1000004,
					  65536 * 3, 65536 * 10 /* a /16 x 10 ports */, 1u << 20,
					  (1u << 20) + 1 };
	(void)st;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (uint64_t seed = 0; seed < 3; seed++)
			check_bijection(sizes[i], seed * 7919 + 1);
}

static void test_seed_changes_order(void **st)
{
	struct permutation a, b;
	unsigned same = 0;
	(void)st;
	perm_init(&a, 100000, 1);
	perm_init(&b, 100000, 2);
	for (uint64_t i = 0; i < 1000; i++)
		same += perm_at(&a, i) == perm_at(&b, i);
	assert_true(same < 10);
	/* not the identity either */
	same = 0;
	for (uint64_t i = 0; i < 1000; i++)
		same += perm_at(&a, i) == i;
	assert_true(same < 10);
}

static void test_deterministic(void **st)
{
	struct permutation a, b;
	(void)st;
	perm_init(&a, 12345, 99);
	perm_init(&b, 12345, 99);
	for (uint64_t i = 0; i < 12345; i++)
		assert_int_equal(perm_at(&a, i), perm_at(&b, i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_seed_changes_order),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
