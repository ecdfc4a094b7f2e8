/* Job runs (see jobrun.h): the glue between a job and the queue workers. */
#include "jobrun.h"
#include "clock.h"
#include "jobresults.h"
#include "log.h"
#include "netinfo.h"
#include "positions.h"
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct ipaddr *first_target(const struct space *s, int af, struct ipaddr *a)
{
	const struct range_set *rs = af == AF_INET ? &s->v4 : &s->v6;
	if (!rs->n)
		return NULL;
	a->af = (uint8_t)af;
	a->v = rs->r[0].lo;
	return a;
}

/* Builds the template for one family on one NIC; 0 when the space has no
 * targets of that family. */
bool job_source(const struct job *j, const struct nic *n, int af, struct ipaddr *src)
{
	if (j->spec.has_source_ip && j->spec.source_ip.af == af)
		*src = j->spec.source_ip;
	else
		*src = af == AF_INET ? n->src4 : n->src6;
	return src->af == af;
}

static int part_tmpl(struct job_part *p, const struct nic *n, const struct job *j, int af,
		     struct errbuf *err)
{
	struct ipaddr dst;
	struct probe_frame f = { .dmac = { 0x02, 0, 0, 0, 0, 0x02 } };
	const char *fam = af == AF_INET ? "IPv4" : "IPv6";
	int r;

	if (!first_target(&j->space, af, &dst))
		return 0;
	if (!job_source(j, n, af, &f.src))
		return errbuf_set(err, -EADDRNOTAVAIL,
				  "%s has no %s source address: set source_ip in [nic \"%s\"] or the job",
				  n->conf.name, fam, n->conf.name);
	memcpy(f.smac, n->eng.mac, 6);
	if (j->spec.has_gateway_mac)
		memcpy(f.dmac, j->spec.gateway_mac, 6);
	else if (n->conf.has_gateway_mac)
		memcpy(f.dmac, n->conf.gateway_mac, 6);
	else if (n->conf.engine != ENGINE_NULL && (r = netinfo_gateway_mac(n->conf.name, &dst, f.dmac, err)) < 0)
		return r;
	r = j->spec.probe.args.mod->tmpl_init(af == AF_INET ? &p->tmpl4 : &p->tmpl6, &j->spec.probe.args,
					      &f, &p->run->val);
	if (r < 0)
		return errbuf_set(err, r, "%s: cannot build the %s probe template: %s", n->conf.name,
				  j->spec.probe.args.mod->name, strerror(-r));
	if (af == AF_INET)
		p->has4 = true;
	else
		p->has6 = true;
	return 0;
}

static void run_free(struct job_run *run)
{
	if (!run)
		return;
	for (unsigned i = 0; i < run->nparts; i++)
		spsc_free(&run->parts[i].results);
	free(run->parts);
	free(run->ranges);
	free(run);
}

static int run_count_parts(struct nic *const *nics, unsigned nnics, unsigned *nparts,
			   struct errbuf *err)
{
	*nparts = 0;
	for (unsigned i = 0; i < nnics; i++) {
		if (!nics[i]->up)
			return errbuf_set(err, -ENETDOWN, "NIC %s is not usable: %s",
					  nics[i]->conf.name, nics[i]->error);
		*nparts += nics[i]->nworkers;
	}
	return *nparts ? 0 : errbuf_set(err, -ENODEV, "the job has no NIC queues to run on");
}

static void run_set_rate(struct job_run *run, uint64_t pps)
{
	for (unsigned i = 0; i < run->nparts; i++) {
		uint64_t share = pps / run->nparts + (i < pps % run->nparts);
		atomic_store(&run->parts[i].rate_pps, share ? share : 1);
	}
}

void jobrun_set_rate(struct job *j, uint64_t pps)
{
	if (j->run)
		run_set_rate(j->run, pps);
}

static int part_build(struct job_part *p, struct nic *n, unsigned q, const struct job *j,
		      struct errbuf *err)
{
	int r;
	p->worker = &n->workers[q];
	p->nic = n->conf.name;
	if ((r = part_tmpl(p, n, j, AF_INET, err)) < 0 || (r = part_tmpl(p, n, j, AF_INET6, err)) < 0)
		return r;
	if (spsc_init(&p->results, PART_RING_SIZE, sizeof(struct rx_record)) < 0)
		return errbuf_set(err, -ENOMEM, "out of memory for result rings");
	part_seek(p, 0);
	return 0;
}

static int run_build(struct job *j, struct nic *const *nics, unsigned nnics, struct job_run *run,
		     struct errbuf *err)
{
	unsigned nparts, w = 0;
	int r = run_count_parts(nics, nnics, &nparts, err);

	if (r < 0)
		return r;
	run->nranges = parts_ranges_max(j->npending, nparts);
	if (!(run->parts = calloc(nparts, sizeof(*run->parts))) ||
	    !(run->ranges = calloc(run->nranges, sizeof(*run->ranges))) ||
	    !(j->ckpt_prev = calloc(nparts, sizeof(*j->ckpt_prev))))
		return errbuf_set(err, -ENOMEM, "out of memory starting the job");
	run->nparts = nparts;
	parts_assign(run->parts, nparts, j->pending, j->npending, run->ranges);
	perm_init(&run->perm, j->space.total, j->spec.seed);
	run->space = &j->space;
	run->mod = j->spec.probe.args.mod;
	memcpy(run->val.key, j->key, sizeof(j->key));
	run->val.sport_lo = j->spec.sport_lo;
	run->val.sport_n = j->spec.sport_n;
	atomic_store(&run->skip, j->skip);
	for (unsigned i = 0; i < nnics; i++)
		for (unsigned q = 0; q < nics[i]->nworkers; q++, w++) {
			run->parts[w].run = run;
			if ((r = part_build(&run->parts[w], nics[i], q, j, err)) < 0)
				return r;
		}
	run_set_rate(run, j->spec.rate_pps);
	return 0;
}

/* Waits until the workers serving parts [from, to) started a new loop
 * iteration: from then on they no longer see what was unpublished before
 * (a detached part, an old skip set). No time limit: freeing what a worker
 * can still see would be a use after free; a worker never blocks. */
static void parts_quiesce(struct job_part *parts, unsigned from, unsigned to)
{
	uint64_t *seen = calloc(to - from + 1, sizeof(*seen));
	double start = clock_mono_s(), warned = start;
	if (!seen) { /* no memory for the snapshot: a worker loops at least every 2 ms */
		usleep(20000);
		return;
	}
	for (unsigned i = from; i < to; i++)
		if (!parts[i].lost && parts[i].worker)
			seen[i - from] = atomic_load(&parts[i].worker->epoch);
	for (unsigned i = from; i < to; i++) /* after the reads: see worker_detach */
		if (!parts[i].lost && parts[i].worker)
			worker_poke(parts[i].worker);
	for (unsigned i = from; i < to; i++) {
		struct worker *w = parts[i].lost ? NULL : parts[i].worker; /* NULL: never built */
		while (w && w->started && atomic_load(&w->epoch) <= seen[i - from]) {
			usleep(20); /* the worker was poked: it answers within microseconds */
			if (clock_mono_s() - warned > 1.0) {
				log_warn("queue worker %u is slow to let go of a job (%.0f s)", w->queue,
					 clock_mono_s() - start);
				warned = clock_mono_s();
			}
		}
	}
	free(seen);
}

/* Detaches parts [from, to) and waits until their workers have let go. */
static void parts_detach(struct job_part *parts, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		if (!parts[i].lost && parts[i].worker)
			worker_detach(parts[i].worker, &parts[i]);
	parts_quiesce(parts, from, to);
}

static void run_detach(struct job_run *run)
{
	atomic_store(&run->phase, RUN_STOP);
	parts_detach(run->parts, 0, run->nparts);
}

unsigned jobrun_nic_lost(struct job *j, const char *nic)
{
	unsigned lost = 0;
	for (unsigned i = 0; j->run && i < j->run->nparts; i++) {
		struct job_part *p = &j->run->parts[i];
		if (strcmp(p->nic, nic) != 0 || p->lost)
			continue;
		parts_detach(j->run->parts, i, i + 1);
		p->lost = true;
		/* probes sent since the last snapshot may have gone into a vanishing
		 * interface, their replies with it: they are sent again on resume */
		atomic_store(&p->done, j->ckpt_prev[i]);
		atomic_store(&p->tx_done, true);
		lost++;
	}
	return lost;
}

int jobrun_start(struct job *j, struct nic *const *nics, unsigned nnics, int wake_fd,
		 struct errbuf *err)
{
	struct job_run *run = calloc(1, sizeof(*run));
	int r = run ? run_build(j, nics, nnics, run, err) : errbuf_set(err, -ENOMEM, "out of memory");
	if (run)
		run->wake_fd = wake_fd;

	for (unsigned i = 0; r == 0 && i < run->nparts; i++) {
		struct job_part *p = &run->parts[i];
		r = worker_attach(p->worker, p);
		if (r < 0)
			errbuf_set(err, r, "%s queue %u already serves %d running jobs; wait for one to finish",
				   p->nic, p->worker->queue, WORKER_MAX_SLOTS);
	}
	if (r < 0) {
		if (run)
			run_detach(run);
		run_free(run);
		free(j->ckpt_prev);
		j->ckpt_prev = NULL;
		return r;
	}
	j->run = run;
	j->last_sent = job_sent(j);
	j->last_results_waits = job_results_waits(j);
	j->results_behind = false;
	j->last_tick = clock_mono_s();
	return 0;
}

static uint64_t run_done(const struct job *j)
{
	uint64_t s = 0;
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		s += atomic_load_explicit(&j->run->parts[i].done, memory_order_relaxed);
	return s;
}

uint64_t job_sent(const struct job *j)
{
	return j->sent_base + run_done(j);
}

static uint64_t run_sum(const struct job *j, size_t off)
{
	uint64_t s = 0;
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		s += atomic_load_explicit((const _Atomic uint64_t *)((const char *)&j->run->parts[i] + off),
					  memory_order_relaxed);
	return s;
}

uint64_t job_skipped(const struct job *j)
{
	return j->skipped_base + run_sum(j, offsetof(struct job_part, skipped));
}

uint64_t job_behind(const struct job *j)
{
	return j->behind_base + run_sum(j, offsetof(struct job_part, behind));
}

uint64_t job_results_waits(const struct job *j)
{
	return j->results_waits_base + run_sum(j, offsetof(struct job_part, results_waits));
}

enum pressure job_pressure(const struct job *j)
{
	if (j->rc.pressure == PRESSURE_NETWORK)
		return PRESSURE_NETWORK;
	if (j->run && j->results_behind)
		return PRESSURE_CPU;
	/* more than 1 % of the rate given up in the last tick: our own limit */
	if (j->run && j->behind_pps > 0.01 * (double)j->spec.rate_pps)
		return PRESSURE_CPU;
	return j->rc.pressure;
}

const char *job_pressure_reason(const struct job *j)
{
	switch (job_pressure(j)) {
	case PRESSURE_NETWORK:
		return "network: allowance counters rose or replies collapsed; AIMD cut the rate";
	case PRESSURE_CPU:
		return j->results_behind
			       ? "results path: the workers waited for the main thread to drain result rows (disk or CPU); no reply is dropped"
			       : "workers: they cannot send at the rate (CPU)";
	case PRESSURE_NONE:
		break;
	}
	return "";
}

uint64_t job_ring_drops(const struct job *j)
{
	return j->ring_drops_base + run_sum(j, offsetof(struct job_part, ring_drops));
}

bool job_lossless(const struct job *j)
{
	return job_ring_drops(j) == 0 && j->lost_nic == 0;
}

bool jobrun_tx_done(const struct job *j)
{
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		if (!atomic_load(&j->run->parts[i].tx_done))
			return false;
	return true;
}

void jobrun_snapshot(struct job *j)
{
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		j->ckpt_prev[i] = atomic_load(&j->run->parts[i].done);
	j->ckpt_skipped = run_sum(j, offsetof(struct job_part, skipped));
}

struct cidr_list *jobrun_set_skip(struct job *j, struct cidr_list *skip)
{
	struct cidr_list *old = j->skip;
	j->skip = skip;
	if (j->run) {
		atomic_store(&j->run->skip, skip);
		parts_quiesce(j->run->parts, 0, j->run->nparts);
	}
	return old;
}

int jobrun_resume_point(const struct job *j, struct job_resume *rp, struct pos_range **buf)
{
	*buf = NULL;
	if (!j->run) {
		*rp = (struct job_resume){ j->pending, j->npending, j->sent_base, j->skipped_base,
					   j->ring_drops_base };
		return 0;
	}
	if (!(*buf = calloc(j->run->nranges + 1, sizeof(**buf))))
		return -ENOMEM;
	rp->pending = *buf;
	rp->npending = parts_pending(j->run->parts, j->run->nparts, j->ckpt_prev, *buf, &rp->sent);
	rp->sent += j->sent_base;
	rp->skipped = j->skipped_base + j->ckpt_skipped;
	rp->ring_drops = job_ring_drops(j);
	return 0;
}

/* One validated reply: counted once per (target, port); written to the
 * results file when the job records its status. */
static int drain_record(struct job *j, const struct job_part *p, const struct rx_record *rec)
{
	struct result res = { .ip = rec->ip, .port = rec->port, .status = rec->status,
			      .ttl = rec->ttl, .ts_ms = rec->ts_ms, .icmp_type = rec->icmp_type,
			      .icmp_code = rec->icmp_code };
	char line[OUTPUT_MAX_LINE];
	int64_t idx = space_index(&j->space, &rec->ip, rec->port);
	j->replies++;
	if (idx < 0 || !dedup_insert(&j->dedup, (uint64_t)idx))
		return 0;
	(*job_status_count(j, rec->status))++;
	if (!jobprobe_keeps(&j->spec.probe, rec->status))
		return 0;
	snprintf(res.nic, sizeof(res.nic), "%s", p->nic);
	size_t len = output_ndjson(&res, line, sizeof(line));
	return jobresults_append(j, line, len);
}

int jobrun_drain(struct job *j)
{
	for (unsigned i = 0; j->run && i < j->run->nparts; i++) {
		struct job_part *p = &j->run->parts[i];
		struct rx_record rec;
		for (unsigned k = 0; k < PART_RING_SIZE && spsc_pop(&p->results, &rec); k++) {
			int r = drain_record(j, p, &rec);
			if (r < 0)
				return r;
		}
	}
	return jobresults_flush(j, false);
}

/* Replaces j->pending by what the parts have not sent (per done[]). */
static void run_save_pending(struct job *j, const uint64_t *done)
{
	struct job_run *run = j->run;
	uint64_t sent;
	struct pos_range *pr = calloc(run->nranges + 1, sizeof(*pr));
	if (!pr)
		return; /* keep the old pending: resume re-sends more, loses nothing */
	j->npending = parts_pending(run->parts, run->nparts, done, pr, &sent);
	j->sent_base += sent;
	free(j->pending);
	j->pending = pr;
}

void jobrun_stop(struct job *j, bool lagged)
{
	uint64_t *now_done;
	if (!j->run)
		return;
	run_detach(j->run);
	jobrun_drain(j);
	now_done = calloc(j->run->nparts, sizeof(*now_done));
	for (unsigned i = 0; now_done && i < j->run->nparts; i++)
		now_done[i] = lagged ? j->ckpt_prev[i] : atomic_load(&j->run->parts[i].done);
	if (now_done)
		run_save_pending(j, now_done);
	free(now_done);
	j->skipped_base += lagged ? j->ckpt_skipped : run_sum(j, offsetof(struct job_part, skipped));
	j->ckpt_skipped = 0;
	j->behind_base = job_behind(j);
	j->ring_drops_base = job_ring_drops(j);
	j->results_waits_base = job_results_waits(j);
	run_free(j->run);
	j->run = NULL;
	free(j->ckpt_prev);
	j->ckpt_prev = NULL;
}

double jobrun_tx_rate(const struct job *j)
{
	uint64_t first = UINT64_MAX, last = 0, done = 0, active = 0;
	for (unsigned i = 0; j->run && i < j->run->nparts; i++) {
		const struct job_part *p = &j->run->parts[i];
		uint64_t f = atomic_load(&p->first_tx_ns), l = atomic_load(&p->last_tx_ns);
		if (!f)
			continue;
		first = MIN(first, f);
		last = MAX(last, l);
		done += atomic_load(&p->done);
		active++;
	}
	if (!active || last <= first || done <= active)
		return 0;
	return (double)(done - active) * 1e9 / (double)(last - first);
}

bool jobrun_on_nic(const struct job *j, const char *nic)
{
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		if (!j->run->parts[i].lost && strcmp(j->run->parts[i].nic, nic) == 0)
			return true;
	return false;
}

uint64_t jobrun_nic_rate(const struct job *j, const char *nic)
{
	uint64_t s = 0;
	for (unsigned i = 0; j->run && i < j->run->nparts; i++)
		if (strcmp(j->run->parts[i].nic, nic) == 0)
			s += atomic_load(&j->run->parts[i].rate_pps);
	return s;
}
