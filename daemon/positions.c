/* Job positions (see positions.h). */
#include "positions.h"
#include "scan/shard.h"

#include <errno.h>

int part_assign(struct job_part *p, const struct pos_range *pending, size_t npending, unsigned w,
		unsigned nw)
{
	uint64_t left = 0, skip;
	for (size_t i = 0; i < npending; i++)
		left += pending[i].end - pending[i].begin;
	struct slice s = shard_slice(left, 0, 1, w, nw);
	skip = s.begin;
	p->count = s.end - s.begin;
	left = p->count;
	p->nranges = 0;
	for (size_t i = 0; i < npending && left; i++) {
		uint64_t b = pending[i].begin, e = pending[i].end;
		if (skip >= e - b) {
			skip -= e - b;
			continue;
		}
		b += skip;
		skip = 0;
		if (p->nranges == PART_MAX_RANGES)
			return -E2BIG;
		uint64_t take = MIN(left, e - b);
		p->ranges[p->nranges++] = (struct pos_range){ b, b + take };
		left -= take;
	}
	return 0;
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

unsigned part_remaining(const struct job_part *p, uint64_t done, struct pos_range *out)
{
	unsigned k = 0;
	for (unsigned i = 0; i < p->nranges; i++) {
		uint64_t b = p->ranges[i].begin, e = p->ranges[i].end;
		uint64_t skip = MIN(done, e - b);
		done -= skip;
		if (b + skip < e)
			out[k++] = (struct pos_range){ b + skip, e };
	}
	return k;
}

size_t parts_pending(const struct job_part *parts, unsigned n, const uint64_t *done,
		     struct pos_range *out, uint64_t *sent)
{
	size_t k = 0;
	*sent = 0;
	for (unsigned i = 0; i < n; i++) {
		k += part_remaining(&parts[i], done[i], out + k);
		*sent += done[i];
	}
	return k;
}
