/* Permutation positions of a job: how the positions still pending are split
 * among its parts (one per NIC queue), where a part's cursor stands after
 * `done` probes, and what is left of a part -- the arithmetic resume
 * correctness rests on (the union of the parts is the job's pending set, no
 * position twice). */
#pragma once
#include "worker.h"

/* Part w of nw gets a contiguous share of the concatenated pending ranges.
 * 0, or -E2BIG when the share spans more than PART_MAX_RANGES ranges. */
int part_assign(struct job_part *p, const struct pos_range *pending, size_t npending, unsigned w,
		unsigned nw);
/* Positions the cursor after the first `done` positions of p's ranges. */
void part_seek(struct job_part *p, uint64_t done);
/* The ranges of p not covered by its first `done` positions; out holds
 * PART_MAX_RANGES. Returns how many. */
unsigned part_remaining(const struct job_part *p, uint64_t done, struct pos_range *out);
/* The pending ranges of parts[0..n) after done[i] probes of each; out holds
 * n * PART_MAX_RANGES. Returns how many; *sent gets the sum of done. */
size_t parts_pending(const struct job_part *parts, unsigned n, const uint64_t *done,
		     struct pos_range *out, uint64_t *sent);
