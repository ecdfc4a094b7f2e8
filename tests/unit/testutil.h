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

/* Reference RFC 1071 checksum of a pseudo header ph[0..phn) (NULL, 0: none)
 * followed by b[0..n), byte by byte, no shortcuts: 0 over a region that
 * includes a correct checksum field. */
static inline uint16_t ref_sum(const uint8_t *ph, size_t phn, const uint8_t *b, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < phn; i++)
		sum += (i % 2 == 0) ? (uint32_t)ph[i] << 8 : ph[i];
	for (size_t i = 0; i < n; i++)
		sum += (i % 2 == 0) ? (uint32_t)b[i] << 8 : b[i];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
