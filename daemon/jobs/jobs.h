/* Job manager: queue, state machine (DESIGN §2), attaching runs to the
 * queue workers, draining results, checkpoints, resume. It gets what it uses
 * (struct jobs_env) and reports job events through a callback: it builds no
 * protocol messages. Main thread only. */
#pragma once
#include "hostports.h"
#include "job.h"
#include "nic.h"
#include "joberror.h"
#include "jobowner.h"
#include "telemetry.h"

struct jobs;

enum job_event {
	JOB_EVENT_STATE,    /* the job changed state (or its error changed) */
	JOB_EVENT_PROGRESS, /* once per tick while the job runs */
};

typedef void (*job_event_fn)(void *ctx, const struct job *j, enum job_event ev);

struct jobs_env {
	const struct config *cfg;
	const struct cidr_list *blocklist, *allow;
	struct nics *nics;
	struct hostports *ports;     /* source-port reservations */
	int wake_fd;		     /* eventfd workers write when a part is done (-1: none) */
	const struct telemetry *tel; /* evidence for AIMD */
	job_event_fn on_event; /* may be NULL */
	void *ctx;
};

/* env is copied; what it points to must outlive the manager. */
struct jobs *jobs_new(const struct jobs_env *env);
void jobs_free(struct jobs *js);
/* Loads state_dir/jobs/ after a (re)start; unfinished jobs are queued to resume. */
int jobs_load(struct jobs *js);
/* job.submit by who (the job's owner from now on). Returns 0 and fills id
 * (>= 32 bytes), or an error: JOB_ERR_LIMIT when who has [daemon]
 * max_jobs_per_uid unfinished jobs already (root and scand's user are not
 * counted against it). */
int jobs_submit(struct jobs *js, const cJSON *params, const struct job_caller *who, char *id,
		struct job_error *err);
/* 0 when who may `verb` j ("cancel it", "read its results"): its owner,
 * root, scand's user, or anyone under [daemon] share_jobs = group;
 * JOB_ERR_PERMISSION otherwise (jobowner.h). */
int jobs_may(const struct jobs *js, const struct job *j, const struct job_caller *who, const char *verb,
	     struct job_error *err);
struct job *jobs_find(struct jobs *js, const char *id);
/* The first job (in submission order); the rest follow through job->next. */
const struct job *jobs_first(const struct jobs *js);
cJSON *jobs_list_json(struct jobs *js, const char *state, struct job_error *err);
/* Cancels a queued, running or held job for who (jobs_may) -- its checkpoint
 * becomes final -- and applies retention at once, which may free j
 * (retain_jobs = 0). Sets *st to the job's final state. Not for callers that
 * walk the job list. */
int jobs_cancel(struct jobs *js, struct job *j, const struct job_caller *who, enum job_state *st,
		struct job_error *err);
/* job.delete for who: removes a finished job and its directory now; -32001
 * for a job that is not finished ("cancel it first"). */
int jobs_delete(struct jobs *js, struct job *j, const struct job_caller *who, struct job_error *err);
/* After the blocklist or allow list changed (SIGHUP, daemon.reload): every
 * unfinished job skips the addresses they exclude from the next burst on
 * (positions stay valid); held jobs are tried again. Returns how many
 * running jobs now skip addresses they did not skip before. */
unsigned jobs_reload(struct jobs *js);
/* Bytes used under state_dir/jobs (measured at most every 10 s) and free in
 * state_dir's filesystem. */
void jobs_disk(struct jobs *js, uint64_t *used, uint64_t *avail);
/* NIC n is gone: running jobs stop their part on it and end failed, with why,
 * once their other parts are done. */
void jobs_nic_lost(struct jobs *js, const struct nic *n, const char *why);
/* rate.set for who (jobs_may). */
int jobs_set_rate(struct jobs *js, struct job *j, const struct job_caller *who, uint64_t pps,
		  struct job_error *err);
void jobs_drain(struct jobs *js); /* every 20 ms: results, phase changes */
void jobs_tick(struct jobs *js);  /* every tick: pps, AIMD, checkpoints, progress events */
/* Every tick, after jobs_tick: below [daemon] min_free_mb on state_dir's
 * filesystem every running job is held (reason disk; nothing is written);
 * with room again the jobs held for it resume by themselves. */
void jobs_disk_tick(struct jobs *js);
/* jobs_drain, after the same check whenever the rows written since the last
 * one may have used the room above min_free_mb: no job writes far below it
 * between ticks, at any reply rate. */
void jobs_disk_drain(struct jobs *js);
/* SIGTERM: stop runs, checkpoint them as running so they resume next start;
 * nothing is started afterwards. */
void jobs_shutdown(struct jobs *js);
void jobs_counts(const struct jobs *js, unsigned *running, unsigned *queued);

/* Rates of the running jobs: target = sum of their current (AIMD) targets,
 * ceiling = sum of their rate_pps; the worst pressure; cuts of all jobs. */
struct jobs_rate {
	uint64_t target, ceiling, cuts;
	enum pressure pressure;
};
void jobs_rate(const struct jobs *js, struct jobs_rate *out);
/* Replies the jobs lost because a worker's result ring was full (0 unless
 * the main thread stalls), summed over the jobs kept. */
uint64_t jobs_ring_drops(const struct jobs *js);
/* True while a job runs on n (sends on it or waits for its replies). */
bool jobs_nic_busy(const struct jobs *js, const struct nic *n);
/* Per NIC: probes/s the running jobs ask of it. */
uint64_t jobs_nic_rate(const struct jobs *js, const struct nic *n);
