/* Per-job duplicate filter over space indices, bounded memory: an exact
 * bitmap when total <= bitmap_max_bits, otherwise a fixed-size hash window
 * of the most recent `window` indices (oldest evicted first). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dedup {
	uint64_t total;
	uint64_t *bits; /* exact mode */
	uint64_t *slots; /* window mode: open-addressing table, 0 = empty, idx+1 stored */
	uint64_t *fifo;	 /* window mode: insertion order, for eviction */
	size_t window, nslots, head, count;
};

#define DEDUP_DEFAULT_BITMAP_MAX (1ull << 30) /* 128 MiB of bits */
#define DEDUP_DEFAULT_WINDOW (1u << 20)

int dedup_init(struct dedup *d, uint64_t total, uint64_t bitmap_max_bits, size_t window);
void dedup_free(struct dedup *d);
/* Returns true the first time idx is seen (and records it), false after. */
bool dedup_insert(struct dedup *d, uint64_t idx);
bool dedup_exact(const struct dedup *d);
