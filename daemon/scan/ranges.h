/* Sorted, merged sets of inclusive address intervals for one family.
 * Used for targets, the blocklist and the allowlist. Owns its array. */
#pragma once
#include "common.h"

struct addr_range {
	u128 lo, hi; /* inclusive */
};

struct range_set {
	uint8_t af; /* AF_INET or AF_INET6 */
	size_t n, cap;
	struct addr_range *r;
};

void ranges_init(struct range_set *s, int af);
void ranges_free(struct range_set *s);
/* Appends [lo, hi]; call ranges_normalize() before queries. -ENOMEM. */
int ranges_add(struct range_set *s, u128 lo, u128 hi);
/* Sorts and merges overlapping/adjacent intervals. */
void ranges_normalize(struct range_set *s);
/* s := s minus b (both normalized; result normalized). -ENOMEM. */
int ranges_subtract(struct range_set *s, const struct range_set *b);
/* True if v lies in s (normalized). O(log n). */
bool ranges_contains(const struct range_set *s, u128 v);
/* True if every address of a lies in s. Stores the first address of a that
 * is not in s in *outside (if not NULL) when returning false. */
bool ranges_covers(const struct range_set *s, const struct range_set *a, u128 *outside);
/* Number of addresses in s (saturates at 2^127). */
u128 ranges_count(const struct range_set *s);
