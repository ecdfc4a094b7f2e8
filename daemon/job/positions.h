/* Permutation positions of a job: how the positions still pending are split
 * among its parts (one per NIC queue), where a part's cursor stands after
 * `done` probes, and what is left of the parts -- the arithmetic resume
 * correctness rests on (the union of the parts is the job's pending set, no
 * position twice). A pending set can have any number of ranges. */
#pragma once
#include "worker.h"

/* Ranges the parts of a split of npending ranges among nparts can hold:
 * each cut between two parts adds at most one. */
static inline size_t parts_ranges_max(size_t npending, unsigned nparts)
{
	return npending + nparts;
}
/* Part w of n gets a contiguous share of the concatenated pending ranges;
 * store (parts_ranges_max() entries) holds the ranges of every part. */
void parts_assign(struct job_part *parts, unsigned n, const struct pos_range *pending,
		  size_t npending, struct pos_range *store);
/* Positions the cursor after the first `done` positions of p's ranges. */
void part_seek(struct job_part *p, uint64_t done);
/* The pending ranges of parts[0..n) after done[i] probes of each, adjacent
 * ones merged; out holds the parts' ranges in all. Returns how many; *sent
 * gets the sum of done. */
size_t parts_pending(const struct job_part *parts, unsigned n, const uint64_t *done,
		     struct pos_range *out, uint64_t *sent);
