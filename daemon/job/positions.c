/* Job positions (see positions.h). */
#include "positions.h"
#include "shard.h"

static uint64_t ranges_total(const struct pos_range *r, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += r[i].end - r[i].begin;
	return t;
}

/* Copies `take` positions starting `skip` positions into pending to out. */
static size_t take_share(const struct pos_range *pending, size_t npending, uint64_t skip,
			 uint64_t take, struct pos_range *out)
{
	size_t k = 0;
	for (size_t i = 0; i < npending && take; i++) {
		uint64_t b = pending[i].begin, e = pending[i].end;
		if (skip >= e - b) {
			skip -= e - b;
			continue;
		}
		b += skip;
		skip = 0;
		uint64_t n = MIN(take, e - b);
		out[k++] = (struct pos_range){ b, b + n };
		take -= n;
	}
	return k;
}

void parts_assign(struct job_part *parts, unsigned n, const struct pos_range *pending,
		  size_t npending, struct pos_range *store)
{
	uint64_t total = ranges_total(pending, npending);
	size_t used = 0;
	for (unsigned w = 0; w < n; w++) {
		struct slice s = shard_slice(total, 0, 1, w, n);
		struct job_part *p = &parts[w];
		p->count = s.end - s.begin;
		p->ranges = store + used;
		p->nranges = (unsigned)take_share(pending, npending, s.begin, p->count, store + used);
		used += p->nranges;
	}
}

void part_seek(struct job_part *p, uint64_t done)
{
	p->cur_range = 0;
	p->cur_pos = p->nranges ? p->ranges[0].begin : 0;
	atomic_store(&p->done, done);
	while (p->cur_range < p->nranges) {
		uint64_t left = p->ranges[p->cur_range].end - p->ranges[p->cur_range].begin;
		if (done < left) {
			p->cur_pos = p->ranges[p->cur_range].begin + done;
			return;
		}
		done -= left;
		p->cur_range++;
	}
	atomic_store(&p->tx_done, true);
}

/* Appends [b, e) to out[0..k), merged with the last range when adjacent. */
static size_t append(struct pos_range *out, size_t k, uint64_t b, uint64_t e)
{
	if (k && out[k - 1].end == b) {
		out[k - 1].end = e;
		return k;
	}
	out[k] = (struct pos_range){ b, e };
	return k + 1;
}

size_t parts_pending(const struct job_part *parts, unsigned n, const uint64_t *done,
		     struct pos_range *out, uint64_t *sent)
{
	size_t k = 0;
	*sent = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t left = done[i];
		*sent += done[i];
		for (unsigned r = 0; r < parts[i].nranges; r++) {
			uint64_t b = parts[i].ranges[r].begin, e = parts[i].ranges[r].end;
			uint64_t skip = MIN(left, e - b);
			left -= skip;
			if (b + skip < e)
				k = append(out, k, b + skip, e);
		}
	}
	return k;
}
