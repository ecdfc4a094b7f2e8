/* A job's results.ndjson: rows appended by the main thread (buffered, fsync'ed
 * before each checkpoint; a full disk keeps them in memory), the sparse row
 * index kept while rows are appended (the byte offset of every 256th row),
 * and pages read from an indexed file. A row's number is its line number and
 * never changes: a corrupt line stays in place as a hole that is not served
 * (jobindex.c finds them). Reading never writes. */
#pragma once
#include "job.h"

#define JOBRESULTS_MARK 256 /* rows between two index marks */

/* Appends x to the growing array *v of *n entries (capacity *cap). -ENOMEM. */
int jobresults_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x);
/* Opens (creating) results.ndjson for appending. -errno. */
int jobresults_open(struct job *j);
/* Buffers one row (line with its '\n'); on a write error the row stays
 * buffered (the buffer grows): nothing appended is lost while the disk is
 * full. -ENOMEM only. */
int jobresults_append(struct job *j, const char *line, size_t len);
/* Writes the buffered rows; fsync when sync. On a write error the partial
 * row is cut off, the buffer kept, and -errno returned. */
int jobresults_flush(struct job *j, bool sync);
/* Bytes buffered and not yet written. */
size_t jobresults_pending(const struct job *j);
/* Flushes, fsyncs and closes the file; the index stays. */
void jobresults_close(struct job *j);
/* Also frees the index (jobindex.c loads or builds it again when asked). */
void jobresults_free(struct job *j);

/* One complete line of a results file: its text (NUL-terminated, cut at
 * OUTPUT_MAX_LINE + 1 characters: overlong says it was longer) and the byte
 * offset it starts at. Returns < 0 to fail, 1 to stop, 0 for the next line. */
typedef int (*jobresults_line_fn)(void *ctx, const char *line, size_t len, bool overlong, uint64_t start);
/* Calls fn on each complete line of fd from pos up to end; *tail is where
 * the part after the last complete line starts (a torn row). -errno. */
int jobresults_each_line(int fd, uint64_t pos, uint64_t end, jobresults_line_fn fn, void *ctx,
			 uint64_t *tail);

/* A row for a page (NUL-terminated): returns 1 when it took it, 0 when it
 * passed over it (e.g. it does not parse), -ENOSPC when the page is full
 * (the row is left for the next page), other -errno to fail. */
typedef int (*jobresults_row_fn)(void *ctx, const char *row, size_t len);
/* Calls fn for the rows numbered [first, first + limit) of an indexed job
 * (fewer at the end or when fn says the page is full), in order, passing
 * over holes. *next is the number of the first row not looked at. Returns
 * the rows fn took, -errno. */
long jobresults_page(struct job *j, uint64_t first, uint64_t limit, jobresults_row_fn fn, void *ctx,
		     uint64_t *next);
/* True when row n is a hole (a corrupt line kept in place). */
bool jobresults_hole(const struct job *j, uint64_t n);
