/* One scan job: its spec, state, index space, run (while active), results
 * store and dedup filter. Owned by the job manager (jobs.c), persisted by
 * jobstore.c under state_dir/jobs/<id>/. Main thread only. */
#pragma once
#include "job_state.h"
#include "jobspec.h"
#include "ratectl.h"
#include "scan/dedup.h"
#include "worker.h"

struct job {
	char id[32];
	char dir[512];
	struct job_spec spec;
	enum job_state state;
	char error[512];
	uint8_t key[16];
	struct space space;
	bool space_ok;
	/* positions still to send (resume), merged, in order */
	struct pos_range *pending;
	size_t npending;
	uint64_t total;	    /* probes in this job's shard after the blocklist */
	uint64_t sent_base; /* probes sent by earlier runs of this job */
	double tx_rate;	    /* achieved probes/s over the last run's send phase */
	uint64_t replies, open, closed;
	uint64_t submitted_ms, started_ms, finished_ms;
	double cooldown_until;
	/* active run */
	struct job_run *run;
	uint64_t *ckpt_prev; /* per part done, one tick old (the safe resume point) */
	uint64_t last_sent, last_replies, last_behind;
	double pps, behind_pps, last_tick;
	uint64_t progress_ms; /* wall clock of the last tick that saw sent or replies grow (or the start) */
	/* probes given up by the pacing (the workers fell behind the rate) and
	 * replies lost to a full result ring, in runs that ended */
	uint64_t behind_base, ring_drops_base;
	struct ratectl rc; /* AIMD state when spec.adaptive */
	/* results */
	int results_fd;
	uint64_t *offsets; /* byte offset of each result row */
	size_t nresults, offsets_cap;
	uint64_t results_bytes;
	char *wbuf;
	size_t wlen;
	struct dedup dedup;
	bool dedup_ok;
	struct job *next;
};

/* Probes sent by every run of the job so far. */
uint64_t job_sent(const struct job *j);

/* The resume point a checkpoint records: positions not yet sent and how
 * many were. */
struct job_resume {
	const struct pos_range *pending;
	size_t npending;
	uint64_t sent;
};
