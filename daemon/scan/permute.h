/* Keyed bijection over [0, n): a 4-round Feistel network on the smallest
 * even-bit power-of-two domain >= n, cycle-walked back into range. O(1) memory. */
#pragma once
#include <stdint.h>

struct permutation {
	uint64_t n;
	unsigned half_bits;
	uint64_t half_mask;
	uint64_t key[4]; /* one round key per round, derived from the seed */
};

void perm_init(struct permutation *p, uint64_t n, uint64_t seed);
/* pos < n; returns the index probed at position pos. */
uint64_t perm_at(const struct permutation *p, uint64_t pos);
