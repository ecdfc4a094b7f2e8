/* Queue workers: one thread per (NIC, queue), started with the daemon. A
 * worker serves the job parts attached to its slots: it generates its slice
 * of the permutation, builds probes, paces them with a token bucket, and
 * drains replies (parse -> validate -> SPSC ring to the main thread). */
#pragma once
#include "engine.h"
#include "ring.h"
#include "permute.h"
#include "probe_module.h"
#include "space.h"
#include <pthread.h>
#include <stdatomic.h>

#define WORKER_MAX_SLOTS 8
#define PART_RING_SIZE (1u << 16)
/* Backpressure: a part whose result ring holds this many records sends no
 * more probes until the main thread has drained it; the other half of the
 * ring takes the replies to the probes still in flight. */
#define PART_RING_HIGH (PART_RING_SIZE / 2)

struct worker;

/* One reply that passed validation, handed to the main thread. */
struct rx_record {
	struct ipaddr ip;
	uint64_t ts_ms;
	uint16_t port; /* 0: none (icmp_echo) */
	uint8_t status, ttl;
	uint8_t icmp_type, icmp_code; /* status unreachable */
};

struct pos_range {
	uint64_t begin, end; /* permutation positions [begin, end) */
};

enum run_phase { RUN_TX = 0, RUN_RX_ONLY = 1, RUN_STOP = 2 };

/* Shared, read-only during the run except the atomics. */
struct job_run {
	struct permutation perm;
	const struct space *space;
	const struct probe_module *mod; /* builds, validates and classifies the probes */
	struct validator val;
	/* addresses to pass over (newly blocked or outside allow), or NULL; the
	 * main thread swaps it and frees the old one after the workers moved on */
	_Atomic(const struct cidr_list *) skip;
	_Atomic int phase;
	int wake_fd; /* an eventfd the main thread watches (-1: none): a part is done */
	unsigned nparts;
	struct job_part *parts;
	struct pos_range *ranges; /* every part's ranges */
	size_t nranges;
};

/* One job's work on one worker. Fields above `tokens` are set by the main
 * thread before attach; atomics are written by the worker; the rest is
 * worker-private. */
struct job_part {
	struct job_run *run;
	struct worker *worker; /* the queue worker it is attached to */
	const char *nic;       /* the NIC's name (for result rows) */
	const struct pos_range *ranges; /* its share of the pending positions (in the run's store) */
	unsigned nranges;
	uint64_t count; /* positions over all ranges */
	struct probe_tmpl tmpl4, tmpl6;
	bool has4, has6;
	_Atomic uint64_t rate_pps;
	_Atomic uint64_t done;	  /* positions done, in range order (sent or skipped) */
	_Atomic uint64_t skipped; /* of those, passed over: their address is excluded now */
	_Atomic uint64_t replies, ring_drops;
	_Atomic uint64_t results_waits; /* times it stopped sending at PART_RING_HIGH */
	_Atomic uint64_t behind; /* probes the token bucket gave up (> 100 ms behind) */
	_Atomic uint64_t first_tx_ns, last_tx_ns;
	_Atomic bool tx_done;
	bool lost; /* its NIC disappeared: detached, the rest of its slice unsent */
	struct spsc_ring results; /* struct rx_record */
	/* worker-private */
	double tokens, behind_frac;
	uint64_t last_ns, last_rate;
	unsigned cur_range;
	uint64_t cur_pos;
	uint16_t ipid;
	bool results_wait; /* waiting for the main thread to drain its results */
};

struct worker {
	struct engine *eng;
	unsigned queue; /* the TX queue it sends on */
	/* RX queues it polls: its own and every nqueues-th after it, so the
	 * engine's nrxqueues are all served when there are fewer workers */
	unsigned rxq[ENGINE_MAX_QUEUES], nrxq;
	pthread_t th;
	bool started;
	_Atomic bool stop;
	_Atomic uint64_t epoch;
	_Atomic(struct job_part *) slot[WORKER_MAX_SLOTS];
	_Atomic uint64_t busy_ns, total_ns;
	/* per probe module: probes sent, replies validated (telemetry) */
	_Atomic uint64_t mod_sent[PROBE_NMODULES], mod_replies[PROBE_NMODULES];
	int wake_fd; /* eventfd: attach and detach end the worker's sleep */
};

/* Starts the thread for TX queue `queue` of eng (and its share of the RX
 * queues), pinned to core (>= 0); name labels the thread and log lines. */
int worker_start(struct worker *w, struct engine *eng, unsigned queue, int core, const char *name);
void worker_stop(struct worker *w);
/* Publishes p on a free slot; -EBUSY when all slots are taken. */
int worker_attach(struct worker *w, struct job_part *p);
/* Removes p; the worker stops touching it once its epoch has advanced past
 * the value read after this call. Does not wake the worker: the caller reads
 * the epoch first, then worker_poke()s -- a wake before that read could be
 * spent on the very iteration the read sees, leaving the worker asleep (2 ms)
 * while the caller waits for the next one. */
void worker_detach(struct worker *w, struct job_part *p);
/* Ends the worker's idle sleep now. */
void worker_poke(struct worker *w);
