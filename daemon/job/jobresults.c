/* results.ndjson (see jobresults.h). */
#include "jobresults.h"
#include "log.h"
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WBUF_SIZE (64 * 1024)
#define WBUF_MAX (256u << 20) /* rows held in memory while the disk is full, at most */
#define CHUNK 65536

int jobresults_open(struct job *j)
{
	char path[600];
	if (snprintf(path, sizeof(path), "%s/results.ndjson", j->dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (j->results_fd < 0 &&
	    (j->results_fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0)
		return -errno;
	if (!j->wbuf && !(j->wbuf = malloc(WBUF_SIZE)))
		return -ENOMEM;
	if (j->wcap < WBUF_SIZE)
		j->wcap = WBUF_SIZE;
	return 0;
}

int jobresults_flush(struct job *j, bool sync)
{
	size_t off = 0;
	if (j->results_fd < 0)
		return 0;
	while (off < j->wlen) {
		ssize_t n = write(j->results_fd, j->wbuf + off, j->wlen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			/* keep what was not written; drop a partial row on disk */
			j->unsynced = true;
			if (ftruncate(j->results_fd, (off_t)(j->results_bytes - j->wlen)) < 0)
				log_warn("job %s: cannot drop a partial results row: %s", j->id, strerror(errno));
			return r;
		}
		off += (size_t)n;
		j->unsynced = true;
	}
	j->wlen = 0;
	if (!sync || !j->unsynced) /* a reader's open and close cost no fsync */
		return 0;
	if (fsync(j->results_fd) < 0)
		return -errno;
	j->unsynced = false;
	return 0;
}

size_t jobresults_pending(const struct job *j)
{
	return j->wlen;
}

int jobresults_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint64_t *m = realloc(*v, c * sizeof(*m));
		if (!m)
			return -ENOMEM;
		*v = m;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Room for len more bytes: written out, or (the disk refusing) a bigger buffer. */
static int wbuf_room(struct job *j, size_t len)
{
	size_t cap = j->wcap;
	char *b;
	if (j->wlen + len <= j->wcap || jobresults_flush(j, false) == 0)
		return 0;
	while (cap < j->wlen + len)
		cap *= 2;
	if (cap > WBUF_MAX || !(b = realloc(j->wbuf, cap)))
		return -ENOMEM;
	j->wbuf = b;
	j->wcap = cap;
	return 0;
}

int jobresults_append(struct job *j, const char *line, size_t len)
{
	int r;
	if (!j->wbuf && (r = jobresults_open(j)) < 0)
		return r;
	if ((r = wbuf_room(j, len)) < 0)
		return r;
	if (j->nresults % JOBRESULTS_MARK == 0 &&
	    (r = jobresults_push(&j->marks, &j->nmarks, &j->marks_cap, j->results_bytes)) < 0)
		return r;
	memcpy(j->wbuf + j->wlen, line, len);
	j->wlen += len;
	j->results_bytes += len;
	j->nresults++;
	return 0;
}

void jobresults_close(struct job *j)
{
	if (j->results_fd >= 0) {
		if (jobresults_flush(j, true) < 0)
			log_warn("job %s: results not flushed at close", j->id);
		close(j->results_fd);
	}
	j->results_fd = -1;
	free(j->wbuf);
	j->wbuf = NULL;
	j->wlen = j->wcap = 0;
}

void jobresults_free(struct job *j)
{
	jobresults_close(j);
	free(j->marks);
	free(j->holes);
	j->marks = j->holes = NULL;
	j->nmarks = j->marks_cap = j->nholes = 0;
	j->indexed = false;
}

/* A line that spans two reads is gathered here (cut at OUTPUT_MAX_LINE + 1). */
struct linebuf {
	char text[OUTPUT_MAX_LINE + 2];
	size_t len;
	bool overlong;
};

static void linebuf_add(struct linebuf *lb, const char *p, size_t n)
{
	size_t room = sizeof(lb->text) - 1 - lb->len;
	if (n > room)
		lb->overlong = true;
	memcpy(lb->text + lb->len, p, MIN(n, room));
	lb->len += MIN(n, room);
}

int jobresults_each_line(int fd, uint64_t pos, uint64_t end, jobresults_line_fn fn, void *ctx,
			 uint64_t *tail)
{
	char buf[CHUNK + 1];
	struct linebuf lb = { .len = 0 };
	uint64_t start = pos;
	ssize_t n = 0;
	int r = 0;

	while (r == 0 && pos < end && (n = pread(fd, buf, MIN((uint64_t)CHUNK, end - pos), (off_t)pos)) > 0) {
		for (char *p = buf, *e = buf + n, *nl; r == 0 && p < e; p = nl + 1) {
			if (!(nl = memchr(p, '\n', (size_t)(e - p)))) {
				linebuf_add(&lb, p, (size_t)(e - p));
				break;
			}
			*nl = '\0'; /* a line within this read is passed where it lies */
			if (lb.len == 0 && (size_t)(nl - p) <= OUTPUT_MAX_LINE + 1) {
				r = fn(ctx, p, (size_t)(nl - p), false, start);
			} else {
				linebuf_add(&lb, p, (size_t)(nl - p));
				lb.text[lb.len] = '\0';
				r = fn(ctx, lb.text, lb.len, lb.overlong, start);
				lb.len = 0;
				lb.overlong = false;
			}
			start = pos + (uint64_t)(nl - buf) + 1;
		}
		pos += (uint64_t)n;
	}
	if (tail)
		*tail = start;
	return r < 0 ? r : n < 0 ? -errno : 0;
}

bool jobresults_hole(const struct job *j, uint64_t n)
{
	size_t lo = 0, hi = j->nholes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->holes[mid] < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->nholes && j->holes[lo] == n;
}

struct pager {
	const struct job *j;
	jobresults_row_fn fn;
	void *ctx;
	uint64_t line, first, end; /* the line at hand; the page is lines [first, end) */
	long given;
};

/* One line for the pager (a jobresults_each_line callback): before the
 * page, a hole, a row for fn, or the end of the page. */
static int page_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t start)
{
	struct pager *pg = ctx;
	uint64_t n = pg->line;
	int r = 0;
	(void)start;
	if (n >= pg->end)
		return 1;
	if (n >= pg->first && !overlong && !jobresults_hole(pg->j, n) && (r = pg->fn(pg->ctx, line, len)) < 0)
		return r == -ENOSPC ? 1 : r; /* full: row n is the next page's */
	pg->given += r;
	pg->line++;
	return pg->line == pg->end ? 1 : 0;
}

long jobresults_page(struct job *j, uint64_t first, uint64_t limit, jobresults_row_fn fn, void *ctx,
		     uint64_t *next)
{
	uint64_t end = first + MIN(limit, j->nresults - MIN(first, j->nresults));
	struct pager pg = { j, fn, ctx, first - first % JOBRESULTS_MARK, first, end, 0 };
	bool opened = j->results_fd < 0;
	int r = 0;
	*next = first;
	if (first >= j->nresults || !limit)
		return 0;
	if (!j->indexed || first / JOBRESULTS_MARK >= j->nmarks)
		return -ESTALE;
	if (opened && (r = jobresults_open(j)) < 0)
		return r;
	/* what the disk would not take yet stays buffered: served once written */
	jobresults_flush(j, false);
	r = jobresults_each_line(j->results_fd, j->marks[first / JOBRESULTS_MARK],
				 j->results_bytes - jobresults_pending(j), page_line, &pg, NULL);
	if (opened)
		jobresults_close(j);
	*next = MIN(pg.line, end);
	return r < 0 ? r : pg.given;
}
