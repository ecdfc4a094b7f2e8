/* Queue worker threads (see worker.h). The hot loop allocates nothing, takes
 * no locks and makes no syscalls besides the engine's kick and idle sleeps. */
#include "worker.h"
#include "clock.h"
#include "log.h"

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BURST 64
#define SKIP_MAX (4 * BURST) /* skipped positions passed over per burst, at most */
#define RX_ROUNDS 4	     /* bursts read from one RX queue per loop, at most */

/* Sleeps ns, or until worker_poke (attach, and whoever waits for the epoch
 * to advance): a new job's first probe and a finished job's detach wait for
 * no sleep to run out. */
static void worker_sleep(struct worker *w, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	struct pollfd pfd = { .fd = w->wake_fd, .events = POLLIN };
	eventfd_t n;
	if (ppoll(&pfd, 1, &ts, NULL) > 0)
		eventfd_read(w->wake_fd, &n); /* clears the pokes */
}

void worker_poke(struct worker *w)
{
	if (w->started)
		eventfd_write(w->wake_fd, 1); /* fails only with the counter full: awake anyway */
}

/* Tokens beyond the cap are probes the schedule gave up: the part fell
 * behind its rate. They are counted (job.status behind_probes), not sent. */
static void part_fell_behind(struct job_part *p, double cap)
{
	uint64_t whole;
	p->behind_frac += p->tokens - cap;
	p->tokens = cap;
	whole = (uint64_t)p->behind_frac;
	if (whole) {
		atomic_fetch_add_explicit(&p->behind, whole, memory_order_relaxed);
		p->behind_frac -= (double)whole;
	}
}

/* Refills the token bucket; returns how many probes may go now. */
static unsigned part_budget(struct job_part *p, uint64_t now)
{
	uint64_t rate = atomic_load_explicit(&p->rate_pps, memory_order_relaxed);
	/* up to 100 ms of catch-up after the worker was descheduled, so the rate
	 * over the job stays exact on a busy host */
	double cap = (double)(rate / 10 + BURST);

	if (p->last_ns == 0)
		p->last_ns = now;
	if (rate != p->last_rate) { /* a new rate starts without the old one's credit */
		p->last_rate = rate;
		p->tokens = MIN(p->tokens, cap);
	}
	p->tokens += (double)(now - p->last_ns) * (double)rate / 1e9;
	p->last_ns = now;
	if (p->tokens > cap)
		part_fell_behind(p, cap);
	return p->tokens >= BURST ? BURST : (unsigned)p->tokens;
}

/* One burst: the probes built and, for each, how many positions were
 * consumed up to and including it (skipped positions come before it). */
struct burst {
	uint16_t lens[BURST];
	uint32_t used[BURST];
	unsigned built;
	uint32_t scanned; /* positions consumed in all */
};

static bool skipped(const struct cidr_list *skip, const struct ipaddr *dst)
{
	return skip && cidr_list_contains(skip, dst);
}

/* Takes up to n probe destinations from the part's cursor (the cursor is
 * not moved), passing over positions whose address the current blocklist
 * or allow list excludes (at most SKIP_MAX of them per burst). */
static unsigned part_positions(struct job_part *p, struct probe_dst *d, unsigned n, struct burst *b)
{
	const struct job_run *run = p->run;
	const struct cidr_list *skip = atomic_load_explicit(&run->skip, memory_order_acquire);
	unsigned r = p->cur_range, k = 0;
	uint64_t pos = p->cur_pos;
	uint32_t scanned = 0;

	while (k < n && r < p->nranges && scanned < n + SKIP_MAX) {
		space_at(run->space, perm_at(&run->perm, pos), &d[k].ip, &d[k].port);
		scanned++;
		if (++pos == p->ranges[r].end && ++r < p->nranges)
			pos = p->ranges[r].begin;
		if (skipped(skip, &d[k].ip))
			continue;
		b->used[k++] = scanned;
	}
	b->scanned = scanned;
	return k;
}

/* Builds up to n probes into bufs: the destinations, then one call of the
 * job's probe module for the burst. */
static void part_build(struct job_part *p, uint8_t *const *bufs, unsigned n, struct burst *b)
{
	struct probe_dst d[BURST];

	b->built = part_positions(p, d, n, b);
	p->run->mod->build(p->has4 ? &p->tmpl4 : NULL, p->has6 ? &p->tmpl6 : NULL, &p->run->val,
			   bufs, d, b->built, p->ipid, b->lens);
	p->ipid = (uint16_t)(p->ipid + b->built);
}

static void part_advance(struct job_part *p, uint64_t n)
{
	while (n && p->cur_range < p->nranges) {
		uint64_t left = p->ranges[p->cur_range].end - p->cur_pos;
		uint64_t step = n < left ? n : left;
		p->cur_pos += step;
		n -= step;
		if (p->cur_pos == p->ranges[p->cur_range].end && ++p->cur_range < p->nranges)
			p->cur_pos = p->ranges[p->cur_range].begin;
	}
}

/* Positions the burst consumed when the engine took `sent` of its probes:
 * all of them when every probe went, else up to the last probe sent (plus
 * the skipped positions before the first probe when none went). */
static uint64_t burst_consumed(const struct burst *b, unsigned sent)
{
	if (sent == b->built)
		return b->scanned;
	return sent ? b->used[sent - 1] : b->used[0] - 1;
}

/* Tells the main thread at once (not at its next 20 ms drain) that a part
 * has sent its last probe (a small job ends in milliseconds), or that its
 * results need draining now. */
static void wake_main(const struct job_part *p)
{
	if (p->run->wake_fd >= 0)
		eventfd_write(p->run->wake_fd, 1); /* if it fails, the 20 ms drain notices */
}

/* Sends what the bucket allows, building each probe in a frame the engine
 * lends (no copy). Returns probes sent; sets *wait_ns. */
static unsigned part_send(struct worker *w, struct job_part *p, uint64_t now, uint64_t *wait_ns)
{
	uint8_t *bufs[BURST];
	struct burst b;
	struct engine *e = w->eng;
	unsigned n = part_budget(p, now), lent, sent;
	uint64_t rate, consumed;

	if (n == 0) {
		rate = atomic_load_explicit(&p->rate_pps, memory_order_relaxed);
		if (rate)
			*wait_ns = MIN(*wait_ns, (uint64_t)((1.0 - p->tokens) * 1e9 / (double)rate));
		return 0;
	}
	lent = e->ops->tx_frames(e, w->queue, bufs, n); /* a short loan is counted by the engine */
	if (!lent)
		return 0;
	part_build(p, bufs, lent, &b);
	sent = e->ops->tx_submit(e, w->queue, b.lens, b.built);
	atomic_fetch_add_explicit(&w->mod_sent[p->run->mod->id], sent, memory_order_relaxed);
	if (sent) {
		uint64_t zero = 0;
		atomic_compare_exchange_strong(&p->first_tx_ns, &zero, now);
		atomic_store_explicit(&p->last_tx_ns, now, memory_order_relaxed);
	}
	p->tokens -= sent;
	consumed = burst_consumed(&b, sent);
	part_advance(p, consumed);
	if (consumed > sent)
		atomic_fetch_add_explicit(&p->skipped, consumed - sent, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->done, consumed, memory_order_release);
	if (p->cur_range >= p->nranges) {
		/* credit left beyond one burst at the end: the schedule was ahead of us */
		if (p->tokens > BURST)
			part_fell_behind(p, BURST);
		atomic_store_explicit(&p->tx_done, true, memory_order_release);
		wake_main(p);
	}
	return sent;
}

/* Backpressure: true while the part's result ring is above the high-water
 * mark. Entering the wait wakes the main thread (its drain would otherwise
 * come at the next 20 ms) and counts the wait: the send rate it costs is CPU
 * pressure of the results path, never network pressure. */
static bool part_results_full(struct job_part *p)
{
	if (spsc_used(&p->results) < PART_RING_HIGH) {
		p->results_wait = false;
		return false;
	}
	if (!p->results_wait) {
		p->results_wait = true;
		atomic_fetch_add_explicit(&p->results_waits, 1, memory_order_relaxed);
		wake_main(p);
	}
	return true;
}

/* The part's template for replies to our address a, or NULL. */
static const struct probe_tmpl *part_tmpl_for(const struct job_part *p, const struct ipaddr *a)
{
	const struct probe_tmpl *t = a->af == AF_INET ? (p->has4 ? &p->tmpl4 : NULL)
						      : (p->has6 ? &p->tmpl6 : NULL);
	return t && t->src.v == a->v ? t : NULL;
}

/* Offers a parsed reply to each attached part; the first whose job
 * validates it takes it, its module classifies it into a row. */
static void worker_deliver(struct worker *w, const struct reply *r, uint64_t ts_ms)
{
	for (unsigned i = 0; i < WORKER_MAX_SLOTS; i++) {
		struct job_part *p = atomic_load_explicit(&w->slot[i], memory_order_acquire);
		const struct probe_module *m;
		const struct probe_tmpl *t;
		struct probe_row row;
		if (!p || !(t = part_tmpl_for(p, &r->dst)))
			continue;
		m = p->run->mod;
		if (!m->validate(t, &p->run->val, r))
			continue;
		m->classify(r, &row);
		struct rx_record rec = { .ip = row.ip, .ts_ms = ts_ms, .port = row.port,
					 .status = row.status, .ttl = r->ttl,
					 .icmp_type = row.icmp_type, .icmp_code = row.icmp_code };
		atomic_fetch_add_explicit(&w->mod_replies[m->id], 1, memory_order_relaxed);
		if (spsc_push(&p->results, &rec))
			atomic_fetch_add_explicit(&p->replies, 1, memory_order_relaxed);
		else
			atomic_fetch_add_explicit(&p->ring_drops, 1, memory_order_relaxed);
		return;
	}
}

static unsigned queue_receive(struct worker *w, unsigned rxq)
{
	struct engine *e = w->eng;
	struct pkt pkts[BURST];
	unsigned n = e->ops->rx_burst(e, rxq, pkts, BURST);
	uint64_t ts = n ? clock_real_ms() : 0;

	for (unsigned i = 0; i < n; i++) {
		struct reply r;
		if (reply_parse(pkts[i].data, pkts[i].len, &r) == 0)
			worker_deliver(w, &r, ts);
	}
	return n;
}

/* Every RX queue of the worker, a few bursts each while replies keep
 * coming: a reply storm must not overrun the socket's ring while the
 * worker sends. */
static unsigned worker_receive(struct worker *w)
{
	unsigned total = 0;
	for (unsigned i = 0; i < w->nrxq; i++)
		for (unsigned round = 0, n = BURST; round < RX_ROUNDS && n == BURST; round++) {
			n = queue_receive(w, w->rxq[i]);
			total += n;
		}
	return total;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		uint64_t start = clock_mono_ns(), wait = 1000000; /* 1 ms */
		unsigned work = 0, active = 0;

		atomic_fetch_add_explicit(&w->epoch, 1, memory_order_acq_rel);
		for (unsigned i = 0; i < WORKER_MAX_SLOTS; i++) {
			struct job_part *p = atomic_load_explicit(&w->slot[i], memory_order_acquire);
			if (!p)
				continue;
			active++;
			if (atomic_load_explicit(&p->run->phase, memory_order_acquire) == RUN_TX &&
			    !atomic_load_explicit(&p->tx_done, memory_order_relaxed) && !part_results_full(p))
				work += part_send(w, p, start, &wait);
		}
		work += worker_receive(w);
		if (work)
			atomic_fetch_add_explicit(&w->busy_ns, clock_mono_ns() - start, memory_order_relaxed);
		else
			worker_sleep(w, active ? MIN(wait, 200000) : 2000000);
		/* total includes idle sleeps: busy/total is the worker's load */
		atomic_fetch_add_explicit(&w->total_ns, clock_mono_ns() - start, memory_order_relaxed);
	}
	return NULL;
}

int worker_start(struct worker *w, struct engine *eng, unsigned queue, int core, const char *name)
{
	char tname[16];
	memset(w, 0, sizeof(*w));
	w->eng = eng;
	w->queue = queue;
	for (unsigned q = queue; q < MAX(eng->nrxqueues, eng->nqueues) && w->nrxq < ENGINE_MAX_QUEUES;
	     q += eng->nqueues)
		w->rxq[w->nrxq++] = q;
	if ((w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	int r = pthread_create(&w->th, NULL, worker_main, w);
	if (r) {
		close(w->wake_fd);
		w->wake_fd = -1;
		return -r;
	}
	w->started = true;
	snprintf(tname, sizeof(tname), "w-%.8s-%u", name, queue);
	pthread_setname_np(w->th, tname);
	if (core >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(core, &set);
		if (pthread_setaffinity_np(w->th, sizeof(set), &set) != 0)
			log_warn("%s q%u: cannot pin the worker to core %d", name, queue, core);
	}
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w->started)
		return;
	atomic_store(&w->stop, true);
	worker_poke(w);
	pthread_join(w->th, NULL);
	w->started = false;
	close(w->wake_fd);
	w->wake_fd = -1;
}

int worker_attach(struct worker *w, struct job_part *p)
{
	for (unsigned i = 0; i < WORKER_MAX_SLOTS; i++) {
		struct job_part *expect = NULL;
		if (atomic_compare_exchange_strong(&w->slot[i], &expect, p))
			return worker_poke(w), 0;
	}
	return -EBUSY;
}

void worker_detach(struct worker *w, struct job_part *p)
{
	for (unsigned i = 0; i < WORKER_MAX_SLOTS; i++) {
		struct job_part *expect = p;
		atomic_compare_exchange_strong(&w->slot[i], &expect, NULL);
	}
}
