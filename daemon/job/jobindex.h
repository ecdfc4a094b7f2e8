/* The row index of a job's results.ndjson, off the event loop: stored as
 * results.idx when the job finishes (and after each rebuild), loaded for a
 * reader in one small read, and rebuilt by a thread of its own when missing
 * or stale -- so no request waits while a file of many GB is scanned. A
 * rebuild finds corrupt lines (kept in place as holes, copied to
 * results.corrupt with their line numbers) and, for a job about to resume,
 * fills its dedup filter. Main thread API. */
#pragma once
#include "job.h"
#include "joberror.h"

#define JOBINDEX_RETRY_MS 200 /* a reader told to come back while a rebuild runs */
#define JOBINDEX_MAX_BUILDS 2 /* rebuild threads at once; the other rebuilds wait */

/* Starts building j's index on a thread (when JOBINDEX_MAX_BUILDS run, it
 * waits and jobindex_poll starts it). resume: the job will run again --
 * its dedup filter gets the rows, and on install its counts come from the
 * file and a torn last row is cut. 0, -errno. */
int jobindex_start(struct job *j, bool resume);
/* Rebuild threads running now (at most JOBINDEX_MAX_BUILDS). */
unsigned jobindex_builds_running(void);
/* Installs a build that has finished (every drain). Returns 1 when j's index
 * became ready, -errno when the build failed (j->error says why), 0 when
 * nothing changed. */
int jobindex_poll(struct job *j);
/* Stops a build and waits for its thread (before j is freed). */
void jobindex_cancel(struct job *j);
/* Writes results.idx from j's index (a finished job; the file is complete). */
int jobindex_save(struct job *j);
/* For a reader: 0 when j's rows can be served (indexed, or results.idx
 * loaded now); else a rebuild runs and err asks to retry (JOB_ERR_LIMIT with
 * retry_ms), or says why the file cannot be read. */
int jobindex_ready(struct job *j, struct job_error *err);
