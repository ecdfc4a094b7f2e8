/* Property tests for the position arithmetic resume correctness rests on
 * (daemon/job/positions.c): random pending sets split among random part counts
 * cover the set exactly once; a job stopped at random points (every "tick")
 * and resumed on a different number of parts sends every position of its
 * shard exactly once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_SEED 0x5eed5eedull
#include "positions.h"
#include "shard.h"
#include "testutil.h"

#define SPACE 20000u
#define MAX_PARTS 16

/* Random disjoint, sorted ranges within [0, SPACE); returns how many. */
static size_t random_pending(struct pos_range *out, size_t max)
{
	size_t n = 0;
	uint64_t pos = rnd() % 50;
	while (n < max && pos < SPACE) {
		uint64_t len = 1 + rnd() % 2000;
		out[n++] = (struct pos_range){ pos, MIN(pos + len, SPACE) };
		pos = out[n - 1].end + rnd() % 300;
	}
	return n;
}

static void mark(uint8_t *seen, uint64_t b, uint64_t e, unsigned *dups)
{
	for (uint64_t p = b; p < e; p++)
		*dups += seen[p]++ != 0;
}

/* The parts' ranges are the pending set, each position once, in order. */
static void test_assign_covers(void **st)
{
	static struct job_part parts[MAX_PARTS];
	struct pos_range pend[8], store[8 + MAX_PARTS];
	(void)st;
	for (int iter = 0; iter < 500; iter++) {
		uint8_t seen[SPACE] = { 0 }, want[SPACE] = { 0 };
		unsigned dups = 0, nw = 1 + (unsigned)(rnd() % MAX_PARTS);
		size_t np = random_pending(pend, 1 + rnd() % 8);
		uint64_t total = 0, counted = 0, last_end = 0;
		for (size_t i = 0; i < np; i++) {
			mark(want, pend[i].begin, pend[i].end, &dups);
			total += pend[i].end - pend[i].begin;
		}
		parts_assign(parts, nw, pend, np, store);
		for (unsigned w = 0; w < nw; w++) {
			counted += parts[w].count;
			assert_true(parts[w].count >= total / nw && parts[w].count <= total / nw + 1);
			for (unsigned r = 0; r < parts[w].nranges; r++) {
				assert_true(parts[w].ranges[r].begin >= last_end); /* in order */
				last_end = parts[w].ranges[r].end;
				mark(seen, parts[w].ranges[r].begin, parts[w].ranges[r].end, &dups);
			}
		}
		assert_int_equal(dups, 0);
		assert_int_equal(counted, total);
		assert_memory_equal(seen, want, SPACE);
	}
}

/* Marks the first `done` positions of p as sent. */
static void mark_sent(const struct job_part *p, uint64_t done, uint8_t *sent, unsigned *dups)
{
	for (unsigned r = 0; r < p->nranges && done; r++) {
		uint64_t b = p->ranges[r].begin, e = MIN(p->ranges[r].end, b + done);
		mark(sent, b, e, dups);
		done -= e - b;
	}
}

/* A job's shard is sent in runs of random length on random part counts; each
 * run ends at a snapshot (the checkpoint's lagged resume point: what was sent
 * after it is sent again, never lost). */
static void run_until_done(uint64_t space, unsigned shard, unsigned shards)
{
	static struct job_part parts[MAX_PARTS];
	static struct pos_range pend[SPACE + 1], store[SPACE + MAX_PARTS];
	uint8_t sent[SPACE] = { 0 };
	struct slice s = shard_slice(space, shard, shards, 0, 1);
	size_t np = s.end > s.begin;
	uint64_t total_sent = 0;
	unsigned resent = 0, runs = 0;
	pend[0] = (struct pos_range){ s.begin, s.end };
	while (np && runs++ < 1000) {
		unsigned nw = 1 + (unsigned)(rnd() % MAX_PARTS);
		uint64_t done[MAX_PARTS], snap[MAX_PARTS], got;
		parts_assign(parts, nw, pend, np, store);
		for (unsigned w = 0; w < nw; w++) {
			part_seek(&parts[w], 0);
			/* the part got this far; the last checkpoint saw `snap` of it */
			done[w] = parts[w].count ? rnd() % (parts[w].count + 1) : 0;
			snap[w] = done[w] ? rnd() % (done[w] + 1) : 0;
			mark_sent(&parts[w], done[w], sent, &resent);
		}
		np = parts_pending(parts, nw, snap, pend, &got);
		total_sent += got;
		for (size_t i = 1; i < np; i++) /* sorted, disjoint, merged */
			assert_true(pend[i].begin > pend[i - 1].end);
	}
	for (uint64_t p = 0; p < space; p++) /* every position of the shard, none outside */
		assert_int_equal(sent[p] != 0, p >= s.begin && p < s.end);
	assert_int_equal(total_sent, s.end - s.begin); /* checkpoints count each position once */
	assert_int_equal(np, 0);
}

static void test_resume_every_tick(void **st)
{
	(void)st;
	for (int iter = 0; iter < 200; iter++) {
		unsigned shards = 1 + (unsigned)(rnd() % 7);
		run_until_done(1 + rnd() % SPACE, (unsigned)(rnd() % shards), shards);
	}
}

/* part_seek puts the cursor at the first position parts_pending leaves. */
static void test_seek_pending(void **st)
{
	struct job_part p = { 0 };
	struct pos_range pend[8], store[9], rest[9];
	uint64_t sent;
	(void)st;
	size_t np = random_pending(pend, 8);
	parts_assign(&p, 1, pend, np, store);
	for (uint64_t done = 0; done <= p.count; done++) {
		uint64_t left = 0;
		size_t n = parts_pending(&p, 1, &done, rest, &sent);
		for (size_t i = 0; i < n; i++)
			left += rest[i].end - rest[i].begin;
		assert_int_equal(left, p.count - done);
		assert_int_equal(sent, done);
		part_seek(&p, done);
		assert_int_equal(atomic_load(&p.tx_done), done == p.count);
		if (n)
			assert_int_equal(p.cur_pos, rest[0].begin);
		atomic_store(&p.tx_done, false);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign_covers),
		cmocka_unit_test(test_resume_every_tick),
		cmocka_unit_test(test_seek_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
