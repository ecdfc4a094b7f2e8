/* One scan job: its spec, state, index space, run (while active), results
 * and dedup filter. Owned by the job manager (jobs.c), persisted by
 * jobstore.c and jobresults.c under state_dir/jobs/<id>/. A finished job
 * keeps only its summary (spec without targets, counts, times): its space,
 * dedup memory and result index are freed. Main thread only. */
#pragma once
#include "job_state.h"
#include "jobspec.h"
#include "ratectl.h"
#include "dedup.h"
#include "worker.h"

#include <sys/types.h>

#define JOB_ID_LEN 32 /* "j000001-8062" and its NUL, with room */

struct job {
	char id[JOB_ID_LEN];
	char dir[512];
	uid_t owner; /* the submitter (SO_PEERCRED); JOB_OWNER_UNKNOWN: stored without one (jobowner.h) */
	struct job_spec spec;
	enum job_state state;
	enum job_hold hold; /* why it is held (JOB_HELD) */
	char error[512];
	uint8_t key[16];
	struct space space;
	bool space_ok;
	/* positions still to send (resume), merged, in order */
	struct pos_range *pending;
	size_t npending;
	uint64_t total;	       /* probes in this job's shard after the blocklist */
	uint64_t sent_base;    /* positions done by earlier runs (skipped ones included) */
	uint64_t skipped_base; /* of those, skipped: newly blocked or outside allow */
	/* addresses of the space that the current blocklist / allow exclude:
	 * skipped at send time (positions stay valid); NULL when none */
	struct cidr_list *skip;
	double tx_rate;	    /* achieved probes/s over the last run's send phase */
	uint64_t replies, open, closed, up, unreachable; /* rows by status: every one, recorded or not */
	uint64_t submitted_ms, started_ms, finished_ms;
	double cooldown_until;
	/* active run */
	struct job_run *run;
	uint64_t *ckpt_prev; /* per part done, one tick old (the safe resume point) */
	uint64_t ckpt_skipped; /* skipped positions at that snapshot */
	uint64_t last_sent, last_replies, last_behind, last_results_waits;
	bool results_behind; /* workers waited for the results path in the last tick */
	double pps, behind_pps, last_tick;
	uint64_t progress_ms; /* wall clock of the last tick that saw sent or replies grow (or the start) */
	/* probes given up by the pacing (the workers fell behind the rate) and
	 * replies lost to a full result ring, in runs that ended */
	uint64_t behind_base, ring_drops_base, results_waits_base;
	/* frames the job's NICs dropped on receive, or matched on a queue without
	 * a socket, while it ran: replies it may have lost (persisted) */
	uint64_t lost_nic;
	struct ratectl rc; /* AIMD state when spec.adaptive */
	/* results (jobresults.c, jobindex.c) */
	int results_fd;
	uint64_t *marks; /* byte offset of rows 0, 256, 512, ... */
	size_t nmarks, marks_cap;
	uint64_t *holes; /* numbers of the corrupt rows, sorted (not served) */
	size_t nholes;
	bool indexed;	 /* marks, holes and nresults describe the file */
	struct jobindex *index_build; /* the index being built off the main thread, or NULL */
	bool index_resume;	      /* ... for a job that resumes once it is built */
	uint64_t nresults, results_bytes; /* rows (holes included), bytes */
	char *wbuf;
	size_t wlen, wcap;
	bool unsynced; /* written (or cut) since the last fsync */
	struct dedup dedup;
	bool dedup_ok;
	struct job *next;
};

/* The counter of rows with status st (enum reply_status). */
static inline uint64_t *job_status_count(struct job *j, uint8_t st)
{
	switch (st) {
	case REPLY_OPEN:
		return &j->open;
	case REPLY_CLOSED:
		return &j->closed;
	case REPLY_UP:
		return &j->up;
	default:
		return &j->unreachable;
	}
}

/* Positions done by every run of the job so far (probes sent + skipped). */
uint64_t job_sent(const struct job *j);
/* Positions skipped at send time (newly blocked or outside allow). */
uint64_t job_skipped(const struct job *j);

/* The resume point a checkpoint records: positions not yet done, how many
 * were, and how many of those were skipped. */
struct job_resume {
	const struct pos_range *pending;
	size_t npending;
	uint64_t sent, skipped;
	uint64_t ring_drops; /* replies lost to a full result ring, all runs */
};
