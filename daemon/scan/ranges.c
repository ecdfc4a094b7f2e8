/* Sorted, merged inclusive interval sets over u128 (see ranges.h). */
#include "ranges.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ranges_init(struct range_set *s, int af)
{
	memset(s, 0, sizeof(*s));
	s->af = (uint8_t)af;
}

void ranges_free(struct range_set *s)
{
	free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

int ranges_add(struct range_set *s, u128 lo, u128 hi)
{
	if (lo > hi)
		return -EINVAL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct addr_range *r = realloc(s->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->r = r;
		s->cap = cap;
	}
	s->r[s->n++] = (struct addr_range){ lo, hi };
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct addr_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void ranges_normalize(struct range_set *s)
{
	size_t k = 0;
	if (!s->n)
		return;
	qsort(s->r, s->n, sizeof(*s->r), range_cmp);
	for (size_t i = 1; i < s->n; i++) {
		struct addr_range *last = &s->r[k];
		/* overlapping or adjacent (hi + 1 == lo, without overflow at the top) */
		if (s->r[i].lo <= last->hi || s->r[i].lo - 1 == last->hi) {
			if (s->r[i].hi > last->hi)
				last->hi = s->r[i].hi;
		} else {
			s->r[++k] = s->r[i];
		}
	}
	s->n = k + 1;
}

int ranges_subtract(struct range_set *s, const struct range_set *b)
{
	struct range_set out;
	size_t j = 0;

	ranges_init(&out, s->af);
	for (size_t i = 0; i < s->n; i++) {
		u128 lo = s->r[i].lo, hi = s->r[i].hi;
		bool alive = true;
		while (j < b->n && b->r[j].hi < lo)
			j++;
		for (size_t k = j; alive && k < b->n && b->r[k].lo <= hi; k++) {
			if (b->r[k].lo > lo && ranges_add(&out, lo, b->r[k].lo - 1) < 0)
				goto oom;
			if (b->r[k].hi >= hi)
				alive = false;
			else
				lo = b->r[k].hi + 1;
		}
		if (alive && ranges_add(&out, lo, hi) < 0)
			goto oom;
	}
	ranges_free(s);
	*s = out;
	return 0;
oom:
	ranges_free(&out);
	return -ENOMEM;
}

/* Index of the last range with lo <= v, or -1. */
static ssize_t ranges_find(const struct range_set *s, u128 v)
{
	ssize_t lo = 0, hi = (ssize_t)s->n - 1, found = -1;
	while (lo <= hi) {
		ssize_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].lo <= v) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

bool ranges_contains(const struct range_set *s, u128 v)
{
	ssize_t i = ranges_find(s, v);
	return i >= 0 && v <= s->r[i].hi;
}

bool ranges_covers(const struct range_set *s, const struct range_set *a, u128 *outside)
{
	for (size_t i = 0; i < a->n; i++) {
		u128 v = a->r[i].lo;
		for (;;) {
			ssize_t k = ranges_find(s, v);
			if (k < 0 || v > s->r[k].hi) {
				if (outside)
					*outside = v;
				return false;
			}
			if (s->r[k].hi >= a->r[i].hi)
				break;
			v = s->r[k].hi + 1;
		}
	}
	return true;
}

u128 ranges_count(const struct range_set *s)
{
	const u128 cap = (u128)1 << 127;
	u128 c = 0;
	for (size_t i = 0; i < s->n; i++) {
		u128 w = s->r[i].hi - s->r[i].lo;
		if (w >= cap || c + w + 1 > cap)
			return cap;
		c += w + 1;
	}
	return c;
}
