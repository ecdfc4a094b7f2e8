/* A job's active run: parts per (NIC, queue) built from the pending
 * positions, probe templates, attach/detach on the workers, result draining. */
#pragma once
#include "job.h"
#include "nic.h"

/* The address j sends its af probes from on NIC n (the job's source_ip, or
 * the NIC's); false when there is none. */
bool job_source(const struct job *j, const struct nic *n, int af, struct ipaddr *src);
/* Builds the run on nics[0..nnics) (all up) and attaches it to their queue
 * workers, which write to wake_fd (an eventfd, or -1) when a part has sent
 * its last probe; on failure nothing stays attached and err says why. */
int jobrun_start(struct job *j, struct nic *const *nics, unsigned nnics, int wake_fd,
		 struct errbuf *err);
/* Stops TX and RX, detaches, drains what arrived, frees the run. Saves the
 * resume point into j->pending / j->sent_base first: as of the last
 * snapshot when lagged, else as of now. */
void jobrun_stop(struct job *j, bool lagged);
/* Moves validated replies into the results store. -errno on write failure. */
int jobrun_drain(struct job *j);
bool jobrun_tx_done(const struct job *j);
/* Records the current per-part progress as the next checkpoint's resume point. */
void jobrun_snapshot(struct job *j);
/* The resume point of the last snapshot (or of j->pending when the job does
 * not run); *buf is allocated for it (free it). -ENOMEM. */
int jobrun_resume_point(const struct job *j, struct job_resume *rp, struct pos_range **buf);
void jobrun_set_rate(struct job *j, uint64_t pps);
/* Makes skip the job's send-time exclusion set (NULL: none); once this
 * returns no worker sees the previous one, which is returned for freeing. */
struct cidr_list *jobrun_set_skip(struct job *j, struct cidr_list *skip);
/* The NIC named nic is gone: detaches the job's parts on it; their positions
 * after the last snapshot stay pending (sent again when the NIC is back).
 * Returns how many parts were affected. */
unsigned jobrun_nic_lost(struct job *j, const char *nic);
/* Achieved probes/s over the run's send phase so far (0 before 2 probes). */
double jobrun_tx_rate(const struct job *j);
/* Since the job started in this process: probes the workers' pacing gave
 * up because they fell behind the rate, and replies a full result ring lost. */
uint64_t job_behind(const struct job *j);
uint64_t job_ring_drops(const struct job *j);
/* No reply can have been lost: no full result ring, no NIC receive drop. */
bool job_lossless(const struct job *j);
/* Times the workers stopped sending because a result ring was above its
 * high-water mark (backpressure from the results path), in this process. */
uint64_t job_results_waits(const struct job *j);
/* network when AIMD saw network pressure; cpu when the workers fell behind
 * the rate or waited for the results path in the last tick (or AIMD saw
 * saturated workers); else none. */
enum pressure job_pressure(const struct job *j);
/* What the pressure comes from, in words ("" for none). */
const char *job_pressure_reason(const struct job *j);
/* True while a part of the run sends on, or waits for replies from, the NIC
 * named nic (a part the NIC was lost for does not). */
bool jobrun_on_nic(const struct job *j, const char *nic);
/* Probes/s the run asks of the NIC named nic. */
uint64_t jobrun_nic_rate(const struct job *j, const char *nic);
