/* Job manager: queue, state machine (DESIGN §2), attaching runs to the
 * queue workers, draining results, checkpoints, resume. Main thread only. */
#pragma once
#include "daemon.h"
#include "job.h"
#include "rpcerr.h"
#include "scan/output.h"

struct jobs;

struct jobs *jobs_new(struct daemon *d);
void jobs_free(struct jobs *js);
/* Loads state_dir/jobs/ after a (re)start; unfinished jobs are queued to resume. */
int jobs_load(struct jobs *js);
/* job.submit. Returns 0 and fills id (>= 32 bytes), or an rpc error. */
int jobs_submit(struct jobs *js, const cJSON *params, char *id, struct rpc_error *err);
struct job *jobs_find(struct jobs *js, const char *id);
cJSON *job_status_json(const struct job *j);
cJSON *jobs_list_json(struct jobs *js, const char *state, struct rpc_error *err);
cJSON *jobs_list_row(const struct job *j);
int jobs_cancel(struct jobs *js, struct job *j);
/* NIC n is gone: running jobs stop their part on it and end failed, with why,
 * once their other parts are done. */
void jobs_nic_lost(struct jobs *js, const struct nic *n, const char *why);
cJSON *job_results_json(struct job *j, uint64_t offset, uint64_t limit, enum out_format f,
			struct rpc_error *err);
int jobs_set_rate(struct jobs *js, struct job *j, uint64_t pps, struct rpc_error *err);
void jobs_drain(struct jobs *js); /* every 20 ms: results, phase changes */
void jobs_tick(struct jobs *js);  /* every tick: pps, checkpoints, progress events */
/* SIGTERM: stop runs, checkpoint them as running so they resume next start. */
void jobs_shutdown(struct jobs *js);
void jobs_counts(const struct jobs *js, unsigned *running, unsigned *queued);
uint64_t jobs_rate_target(const struct jobs *js);
/* telemetry.get "rate": target (sum of the running jobs' current rates),
 * ceiling (sum of their rate_pps), worst pressure, cuts. */
cJSON *jobs_rate_json(const struct jobs *js);
/* Prometheus lines for active jobs and rate control. */
void jobs_prometheus(const struct jobs *js, FILE *f);
/* Per NIC: probes/s the running jobs ask of it. */
uint64_t jobs_nic_rate(const struct jobs *js, const struct nic *n);
