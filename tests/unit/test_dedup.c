/* Duplicate filter: exact bitmap mode, bounded window mode, and long random
 * operation sequences compared with a simple reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dedup.h"

#define TEST_SEED 0x13198a2e03707344ull
#include "testutil.h"

static void test_exact(void **state)
{
	(void)state;
	const uint64_t total = 100003;
	struct dedup d;
	uint8_t *seen = calloc(total, 1);

	assert_non_null(seen);
	assert_int_equal(dedup_init(&d, total, DEDUP_DEFAULT_BITMAP_MAX, 0), 0);
	assert_true(dedup_exact(&d));
	for (int i = 0; i < 1000000; i++) {
		uint64_t idx = rnd() % total;
		assert_int_equal(dedup_insert(&d, idx), !seen[idx]);
		seen[idx] = 1;
	}
	for (uint64_t i = 0; i < total; i++) /* every index reported exactly once */
		if (!seen[i])
			assert_true(dedup_insert(&d, i));
	for (uint64_t i = 0; i < total; i++)
		assert_false(dedup_insert(&d, i));
	assert_false(dedup_insert(&d, total)); /* out of range: never recorded */
	assert_false(dedup_insert(&d, UINT64_MAX));
	dedup_free(&d);
	dedup_free(&d);
	free(seen);

	/* boundary: total == bitmap_max is still exact; an empty space too */
	assert_int_equal(dedup_init(&d, 64, 64, 0), 0);
	assert_true(dedup_exact(&d));
	assert_true(dedup_insert(&d, 63));
	assert_false(dedup_insert(&d, 63));
	dedup_free(&d);
	assert_int_equal(dedup_init(&d, 0, 64, 0), 0);
	assert_false(dedup_insert(&d, 0));
	dedup_free(&d);
}

/* Slots hold exactly the FIFO's contents: nothing leaks, nothing is lost. */
static void check_bounded(const struct dedup *d, size_t nslots)
{
	size_t used = 0;

	assert_int_equal(d->nslots, nslots);
	assert_true(d->count <= d->window);
	for (size_t i = 0; i < d->nslots; i++)
		used += d->slots[i] != 0;
	assert_int_equal(used, d->count);
	for (size_t k = 0; k < d->count; k++) {
		uint64_t key = d->fifo[(d->head + k) % d->window];
		bool found = false;
		for (size_t i = 0; i < d->nslots && !found; i++)
			found = d->slots[i] == key;
		assert_true(found);
	}
}

static void test_window_sequential(void **state)
{
	(void)state;
	const size_t w = 1000;
	struct dedup d;

	assert_int_equal(dedup_init(&d, 1ull << 40, 1u << 20, w), 0);
	assert_false(dedup_exact(&d));
	size_t nslots = d.nslots;
	assert_true(nslots >= 2 * w && nslots <= 8 * w);
	for (uint64_t i = 0; i < 20 * w; i++) {
		assert_true(dedup_insert(&d, i));
		assert_false(dedup_insert(&d, i));
		if (i >= w / 2) /* still inside the window */
			assert_false(dedup_insert(&d, i - w / 2));
	}
	check_bounded(&d, nslots);
	assert_int_equal(d.count, w);
	for (uint64_t i = 19 * w; i < 20 * w; i++) /* the last `window` stay */
		assert_false(dedup_insert(&d, i));
	assert_true(dedup_insert(&d, 19 * w - 1)); /* evicted long ago: new again */
	assert_true(dedup_insert(&d, 0));
	assert_false(dedup_insert(&d, 1ull << 40)); /* out of range */
	dedup_free(&d);

	/* window larger than the space is clamped to it */
	assert_int_equal(dedup_init(&d, 100, 10, 1000), 0);
	assert_false(dedup_exact(&d));
	assert_int_equal(d.window, 100);
	for (uint64_t i = 0; i < 100; i++)
		assert_true(dedup_insert(&d, i));
	for (uint64_t i = 0; i < 100; i++)
		assert_false(dedup_insert(&d, i));
	dedup_free(&d);
}

/* Reference: an index is in the window iff it was among the last w
 * successful inserts (an index in the window is never re-inserted). */
static void run_model(size_t w, uint64_t universe, uint64_t mul, int ops)
{
	struct dedup d;
	uint64_t *last = calloc(universe, sizeof(uint64_t)), n = 0;

	assert_non_null(last);
	assert_int_equal(dedup_init(&d, 1ull << 44, 1u << 10, w), 0);
	size_t nslots = d.nslots;
	for (int i = 0; i < ops; i++) {
		uint64_t u = rnd() % universe;
		uint64_t idx = (u * mul) & ((1ull << 44) - 1); /* spread or clustered keys */
		bool in_window = last[u] && last[u] + w > n;
		bool got = dedup_insert(&d, idx);
		if (got == in_window)
			fail_msg("op %d idx %llu: got %d, model says in_window=%d", i,
				 (unsigned long long)idx, got, in_window);
		if (got)
			last[u] = ++n;
		if (i % 100000 == 0)
			check_bounded(&d, nslots);
	}
	check_bounded(&d, nslots);
	assert_int_equal(d.count, n < w ? n : w);
	dedup_free(&d);
	free(last);
}

static void test_window_random_vs_model(void **state)
{
	(void)state;
	run_model(1000, 2500, 1, 1000000);		     /* dense consecutive keys */
	run_model(1000, 1200, 0x9e3779b97f4a7c15ull, 500000); /* mostly hits */
	run_model(257, 100000, 4096, 500000);		     /* strided keys, mostly misses */
	run_model(1, 3, 1, 10000);			     /* degenerate window */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_window_sequential),
		cmocka_unit_test(test_window_random_vs_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
