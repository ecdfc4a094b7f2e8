/* Deterministic slicing of the position space [0, n): shard i of N across
 * machines, then worker w of T inside one daemon. Slices are contiguous,
 * disjoint, cover everything, and differ in size by at most one. */
#pragma once
#include <stdint.h>

struct slice {
	uint64_t begin, end; /* positions [begin, end) */
};

/* Requires shard < shards, worker < workers. Any of them may exceed n
 * (empty slices). A shard's slice depends only on (n, shard, shards), never on
 * the worker count, so daemons with different core counts agree. */
struct slice shard_slice(uint64_t n, uint32_t shard, uint32_t shards, uint32_t worker,
			 uint32_t workers);
