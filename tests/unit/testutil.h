/* Helpers shared by the unit tests: a seeded xorshift generator (each test
 * file defines TEST_SEED before including this) and exact-size heap copies
 * so ASan reports any read past the end of a parsed buffer. */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_SEED
#define TEST_SEED 0x9e3779b97f4a7c15ull
#endif

static uint64_t rng_state = TEST_SEED;

static inline uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* malloc'd copy of exactly len bytes (at least 1 allocated); never NULL. */
static inline void *heap_copy(const void *p, size_t len)
{
	void *c = malloc(len ? len : 1);
	if (!c)
		abort();
	memcpy(c, p, len);
	return c;
}
