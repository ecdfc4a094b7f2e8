/* Contiguous, disjoint, covering slices of [0, n) (see shard.h). */
#include "shard.h"

static uint64_t cut(uint64_t n, uint64_t i, uint64_t k)
{
	return (uint64_t)((unsigned __int128)n * i / k);
}

struct slice shard_slice(uint64_t n, uint32_t shard, uint32_t shards, uint32_t worker,
			 uint32_t workers)
{
	uint64_t b = cut(n, shard, shards), e = cut(n, shard + 1ull, shards);
	uint64_t len = e - b;
	return (struct slice){ b + cut(len, worker, workers), b + cut(len, worker + 1ull, workers) };
}
