/* A job's active run: parts per (NIC, queue) built from the pending
 * positions, probe templates, attach/detach on the workers, result draining. */
#pragma once
#include "daemon.h"
#include "job.h"

/* Builds and attaches the run; on failure nothing stays attached and err says why. */
int jobrun_start(struct daemon *d, struct job *j, struct errbuf *err);
/* Stops TX and RX, detaches, drains what arrived, frees the run. Saves the
 * safe resume point into j->pending / j->sent_base first. */
void jobrun_stop(struct daemon *d, struct job *j, bool lagged);
/* Moves validated replies into the results store. -errno on write failure. */
int jobrun_drain(struct daemon *d, struct job *j);
bool jobrun_tx_done(const struct job *j);
uint64_t jobrun_done(const struct job *j);
/* Records the current per-part progress as the next checkpoint's resume point. */
void jobrun_snapshot(struct job *j);
void jobrun_set_rate(struct job *j, uint64_t pps);
/* NIC n is gone: detaches the job's parts on it (their unsent positions stay
 * pending). Returns how many parts were affected. */
unsigned jobrun_nic_lost(struct job *j, const struct nic *n);
/* Achieved probes/s over the run's send phase so far (0 before 2 probes). */
double jobrun_tx_rate(const struct job *j);
