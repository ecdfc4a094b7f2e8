/* A job's results.ndjson: rows appended by the main thread (buffered, fsync'ed
 * before each checkpoint), a sparse row index (the byte offset of every
 * 256th row), pages read for job.results, and the re-index after a restart,
 * which cuts off a torn last row and moves corrupt rows to results.corrupt
 * (with their line numbers) so the rows around them stay served. */
#pragma once
#include "job.h"

#define JOBRESULTS_MARK 256 /* rows between two index marks */

/* Opens (creating) results.ndjson for appending. -errno. */
int jobresults_open(struct job *j);
int jobresults_append(struct job *j, const char *line, size_t len);
/* Writes the buffered rows; fsync when sync. On a write error the partial
 * row is cut off, the buffer kept, and -errno returned. */
int jobresults_flush(struct job *j, bool sync);
/* Flushes, fsyncs and closes the file; the index stays. */
void jobresults_close(struct job *j);
/* Also frees the index (a finished job builds it again when asked). */
void jobresults_free(struct job *j);
/* Rebuilds the index and the counts (rows, open, closed) from the file,
 * inserting each row into dd when given. -errno. */
int jobresults_index(struct job *j, struct dedup *dd);

typedef int (*jobresults_row_fn)(void *ctx, const char *row, size_t len);
/* Calls fn for rows [first, first + limit) (fewer at the end), in order;
 * opens and indexes the file when needed. Returns the rows given, -errno. */
long jobresults_page(struct job *j, uint64_t first, uint64_t limit, jobresults_row_fn fn, void *ctx);
