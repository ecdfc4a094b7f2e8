/* Single-producer single-consumer ring of fixed-size records (worker ->
 * main thread). Lock-free with C11 acquire/release; capacity a power of two. */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct spsc_ring {
	_Atomic uint64_t head; /* next slot the producer writes */
	char pad1[56];
	_Atomic uint64_t tail; /* next slot the consumer reads */
	char pad2[56];
	uint64_t mask;
	size_t elem;
	unsigned char *buf;
};

/* The slots are mapped, not allocated: no memset of the whole ring at each
 * job start (a calloc from the heap zeroes it), pages only as they are used,
 * and all of it back to the kernel at spsc_free. Slots need no zeroing: only
 * pushed records are read. */
static inline int spsc_init(struct spsc_ring *r, size_t cap_pow2, size_t elem)
{
	memset(r, 0, sizeof(*r));
	r->buf = mmap(NULL, cap_pow2 * elem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->buf == MAP_FAILED) {
		r->buf = NULL;
		return -1;
	}
	r->mask = cap_pow2 - 1;
	r->elem = elem;
	return 0;
}

static inline void spsc_free(struct spsc_ring *r)
{
	if (r->buf)
		munmap(r->buf, (r->mask + 1) * r->elem);
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
