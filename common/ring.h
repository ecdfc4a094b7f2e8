/* Single-producer single-consumer ring of fixed-size records (worker ->
 * main thread). Lock-free with C11 acquire/release; capacity a power of two. */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct spsc_ring {
	_Atomic uint64_t head; /* next slot the producer writes */
	char pad1[56];
	_Atomic uint64_t tail; /* next slot the consumer reads */
	char pad2[56];
	uint64_t mask;
	size_t elem;
	unsigned char *buf;
};

/* The slots are malloc'ed, not calloc'ed: a calloc from the heap zeroes the
 * whole ring (2.6 MB for a job part) at each job start. Slots need no
 * zeroing: only pushed records are read. */
static inline int spsc_init(struct spsc_ring *r, size_t cap_pow2, size_t elem)
{
	memset(r, 0, sizeof(*r));
	r->buf = malloc(cap_pow2 * elem);
	if (!r->buf)
		return -1;
	r->mask = cap_pow2 - 1;
	r->elem = elem;
	return 0;
}

static inline void spsc_free(struct spsc_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Producer side. False when full. */
static inline bool spsc_push(struct spsc_ring *r, const void *rec)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (h - t > r->mask)
		return false;
	memcpy(r->buf + (h & r->mask) * r->elem, rec, r->elem);
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

/* Records waiting (either side; a snapshot). */
static inline uint64_t spsc_used(struct spsc_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

/* Consumer side. False when empty. */
static inline bool spsc_pop(struct spsc_ring *r, void *rec)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	if (t == h)
		return false;
	memcpy(rec, r->buf + (t & r->mask) * r->elem, r->elem);
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}
