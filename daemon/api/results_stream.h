/* Streamed results: events.subscribe {job_id, results: true, offset, limit}
 * sends a job's result rows to that connection as job.results
 * notifications, at most one batch of `limit` rows per tick, each naming
 * the offset to resume from. Rows are read back from the job's results
 * store, so the scan never waits for a subscriber; a subscriber that does
 * not read gets no new batch while STREAM_MAX_PENDING bytes wait for it
 * (and the transport drops it after client_timeout_s). */
#pragma once
#include "core.h"
#include "joberror.h"
#include "output.h"
#include <cjson/cJSON.h>

#define STREAM_DEFAULT_LIMIT 1000
#define STREAM_MAX_LIMIT 10000
#define STREAM_MAX_PENDING (256u << 10)

struct control_client;

/* Starts (or replaces) c's stream of job j's rows from offset. Errors are
 * JOB_ERR_INVALID on offset or limit. */
int results_stream_start(struct control_client *c, const struct job *j, uint64_t offset,
			 uint64_t limit, enum out_format f, bool text, struct job_error *err);
/* Every tick: one batch to each stream that has new rows, or its last one
 * ("complete": true) once the job has ended and every row went out. */
void results_stream_tick(struct daemon *d);
/* c has read all it was sent (control_opts.drained, ctx the daemon): the
 * next batch of its stream now, so a client catching up is not held to
 * one batch a tick. */
void results_stream_drained(void *ctx, struct control_client *c);
