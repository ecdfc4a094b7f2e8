/* Duplicate filter over space indices: exact bitmap for small spaces, else a
 * linear-probing hash set (backward-shift deletion, no tombstones) holding
 * the last `window` inserted indices, evicted oldest first through a FIFO. */
#include "dedup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline size_t slot_home(const struct dedup *d, uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebull;
	key ^= key >> 31;
	return (size_t)key & (d->nslots - 1);
}

int dedup_init(struct dedup *d, uint64_t total, uint64_t bitmap_max_bits, size_t window)
{
	memset(d, 0, sizeof(*d));
	d->total = total;
	if (total <= bitmap_max_bits) {
		d->bits = calloc(total / 64 + 1, sizeof(uint64_t));
		return d->bits ? 0 : -ENOMEM;
	}
	if (window == 0)
		window = DEDUP_DEFAULT_WINDOW;
	if (window > total)
		window = (size_t)total;
	if (window > (SIZE_MAX >> 4))
		return -EINVAL;
	d->window = window;
	d->nslots = 16;
	while (d->nslots < 2 * window) /* load factor <= 1/2 */
		d->nslots <<= 1;
	d->slots = calloc(d->nslots, sizeof(uint64_t));
	d->fifo = calloc(window, sizeof(uint64_t));
	if (!d->slots || !d->fifo) {
		dedup_free(d);
		return -ENOMEM;
	}
	return 0;
}

void dedup_free(struct dedup *d)
{
	free(d->bits);
	free(d->slots);
	free(d->fifo);
	memset(d, 0, sizeof(*d));
}

bool dedup_exact(const struct dedup *d)
{
	return d->bits != NULL;
}

/* Removes key (present) and shifts its probe-chain followers back, so the
 * table never needs tombstones. */
static void slot_remove(struct dedup *d, uint64_t key)
{
	size_t mask = d->nslots - 1, i = slot_home(d, key), j;

	while (d->slots[i] != key)
		i = (i + 1) & mask;
	for (j = (i + 1) & mask; d->slots[j]; j = (j + 1) & mask) {
		size_t k = slot_home(d, d->slots[j]);
		/* The entry at j may move to i unless its home lies in (i, j]. */
		if (((j - k) & mask) >= ((j - i) & mask)) {
			d->slots[i] = d->slots[j];
			i = j;
		}
	}
	d->slots[i] = 0;
}

static bool window_insert(struct dedup *d, uint64_t key)
{
	size_t mask = d->nslots - 1, i = slot_home(d, key);

	for (; d->slots[i]; i = (i + 1) & mask)
		if (d->slots[i] == key)
			return false;
	if (d->count == d->window) {
		slot_remove(d, d->fifo[d->head]);
		d->head = d->head + 1 == d->window ? 0 : d->head + 1;
		d->count--;
		/* The removal may have shifted entries into the chain: rescan. */
		for (i = slot_home(d, key); d->slots[i]; i = (i + 1) & mask)
			;
	}
	d->slots[i] = key;
	size_t tail = d->head + d->count;
	d->fifo[tail >= d->window ? tail - d->window : tail] = key;
	d->count++;
	return true;
}

bool dedup_insert(struct dedup *d, uint64_t idx)
{
	if (idx >= d->total)
		return false;
	if (d->bits) {
		uint64_t m = 1ull << (idx & 63);
		if (d->bits[idx >> 6] & m)
			return false;
		d->bits[idx >> 6] |= m;
		return true;
	}
	return window_insert(d, idx + 1);
}
