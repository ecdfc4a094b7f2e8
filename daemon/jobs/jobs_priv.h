/* The job manager's own state and the helpers its files share, one way from
 * bottom to top: jobs_list.c (the list, events, id sequence) <- jobs_keep.c
 * (retention, deletion, disk use, skip sets) <- jobs.c (states and runs) <-
 * jobs_intake.c (new and reloaded jobs), jobs_disk.c (a full disk). Not for
 * other modules. */
#pragma once
#include "jobs.h"

struct jobs {
	struct jobs_env env;
	struct job *head, *tail;
	unsigned seq, nrunning, nqueued;
	bool stopping;	    /* jobs_shutdown() ran: start nothing */
	bool retain_due;    /* a job finished: jobs_drain() applies retention */
	double disk_at;	    /* clock_mono_s() of the last state_dir walk */
	uint64_t disk_used; /* bytes under state_dir/jobs at that walk */
	uint64_t disk_room; /* bytes above min_free_mb at the last free-space check */
	uint64_t disk_written; /* result bytes written since that check */
};

/* jobs_list.c */
void job_event(struct jobs *js, const struct job *j, enum job_event ev);
/* Frees what a finished job no longer needs: targets, space, dedup, index. */
void job_release(struct job *j);
void job_free(struct job *j);
void jobs_append(struct jobs *js, struct job *j);
void jobs_unlink(struct jobs *js, struct job *j);
/* Writes the next job sequence number to state_dir/jobs/next_seq; reads it. */
void jobs_seq_store(struct jobs *js);
void jobs_seq_load(struct jobs *js);

/* jobs_keep.c */
/* state_dir's filesystem has less than [daemon] min_free_mb free (*free_b:
 * bytes free, UINT64_MAX when it cannot be asked); the room above it is
 * what the writes until the next check may use (jobs_drain()). */
bool jobs_disk_low(struct jobs *js, uint64_t *free_b);
/* Recomputes j's send-time exclusion set from the current blocklist and
 * allow list. Returns 1 when the job now skips addresses it did not skip
 * before, 0 when nothing changed for it, -ENOMEM. */
int job_skip_update(struct jobs *js, struct job *j);
/* Removes finished jobs beyond [daemon] retain_jobs / retain_days. Frees
 * jobs: never call it while a caller may hold one (job_finish() only marks
 * retain_due; jobs_drain() calls this after its loop). */
void jobs_retain(struct jobs *js);

/* jobs.c */
/* A job that cannot run now: a stopped run's resume point is stored (but
 * for HOLD_DISK, when nothing can be written: it stays in memory), and it
 * waits as `held` until a reload, a restart or (disk) free space finds it
 * runnable, or it is cancelled. */
void job_hold(struct jobs *js, struct job *j, enum job_hold reason, const char *why);
/* Back to the queue from where it stopped (its checkpoint written first). */
void job_requeue(struct jobs *js, struct job *j, const char *what);
/* Writes the checkpoint (results flushed first). -errno. */
int job_store(struct job *j);
/* job_store; a job whose state cannot be stored is held (disk full) or fails. */
void job_persist(struct jobs *js, struct job *j);
/* A write error r: the disk is full (-ENOSPC, -EDQUOT). */
bool job_disk_full(int r);
void job_write_failed(struct jobs *js, struct job *j, int r, const char *what);
void job_finish(struct jobs *js, struct job *j, enum job_state st, const char *why);
void jobs_schedule(struct jobs *js);
