/* results.ndjson (see jobresults.h). */
#include "jobresults.h"
#include "log.h"
#include "output.h"
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WBUF_SIZE (64 * 1024)
#define CHUNK 65536

static int path_of(const struct job *j, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", j->dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

int jobresults_open(struct job *j)
{
	char path[600];
	int r = path_of(j, "results.ndjson", path, sizeof(path));
	if (r < 0)
		return r;
	if (j->results_fd < 0 &&
	    (j->results_fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0)
		return -errno;
	if (!j->wbuf && !(j->wbuf = malloc(WBUF_SIZE)))
		return -ENOMEM;
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

static int mark_push(struct job *j, uint64_t off)
{
	if (j->nmarks == j->marks_cap) {
		size_t cap = j->marks_cap ? j->marks_cap * 2 : 64;
		uint64_t *m = realloc(j->marks, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		j->marks = m;
		j->marks_cap = cap;
	}
	j->marks[j->nmarks++] = off;
	return 0;
}

int jobresults_append(struct job *j, const char *line, size_t len)
{
	int r;
	if (j->wlen + len > WBUF_SIZE && (r = jobresults_flush(j, false)) < 0)
		return r;
	if (j->nresults % JOBRESULTS_MARK == 0 && (r = mark_push(j, j->results_bytes)) < 0)
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
	j->wlen = 0;
}

void jobresults_free(struct job *j)
{
	jobresults_close(j);
	free(j->marks);
	j->marks = NULL;
	j->nmarks = j->marks_cap = 0;
	j->indexed = false;
}

/* One complete line of a results file: its text (NUL-terminated, cut at
 * OUTPUT_MAX_LINE + 1 characters: overlong says it was longer) and the byte
 * offset it starts at. Returns < 0 to fail, 1 to stop, 0 for the next line. */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, bool overlong, uint64_t start);

/* Calls fn on each complete line of fd from pos up to end; *tail is where
 * the part after the last complete line starts (a torn row). A read error
 * is -errno. */
static int each_line(int fd, uint64_t pos, uint64_t end, line_fn fn, void *ctx, uint64_t *tail)
{
	char buf[CHUNK], line[OUTPUT_MAX_LINE + 2];
	size_t llen = 0;
	bool overlong = false;
	uint64_t start = pos;
	ssize_t n = 0;
	int r = 0;

	while (r == 0 && pos < end && (n = pread(fd, buf, MIN(sizeof(buf), end - pos), (off_t)pos)) > 0) {
		for (ssize_t i = 0; r == 0 && i < n; i++) {
			if (buf[i] != '\n') {
				if (llen < sizeof(line) - 1)
					line[llen++] = buf[i];
				else
					overlong = true;
				continue;
			}
			line[llen] = '\0';
			r = fn(ctx, line, llen, overlong, start);
			llen = 0;
			overlong = false;
			start = pos + (uint64_t)i + 1;
		}
		pos += (uint64_t)n;
	}
	if (tail)
		*tail = start;
	return r < 0 ? r : n < 0 ? -errno : 0;
}

/* Re-index state: the rows kept so far, and -- once a corrupt row was seen --
 * the new file the good rows are copied to. */
struct reindex {
	struct job *j;
	struct dedup *dd;
	int out;	       /* results.ndjson.tmp, or -1 while no row was corrupt */
	FILE *corrupt;	       /* results.corrupt, appended */
	uint64_t rows, bytes, bad, line_no;
	uint64_t count[REPLY_NSTATUS]; /* rows by status */
};

static int keep_row(struct reindex *x, const char *line, size_t len, const struct result *res)
{
	struct job *j = x->j;
	int r;
	if (x->rows % JOBRESULTS_MARK == 0 && (r = mark_push(j, x->bytes)) < 0)
		return r;
	if (x->dd && j->space_ok) {
		int64_t idx = space_index(&j->space, &res->ip, res->port);
		if (idx >= 0)
			dedup_insert(x->dd, (uint64_t)idx);
	}
	if (x->out >= 0 && (write(x->out, line, len) != (ssize_t)len || write(x->out, "\n", 1) != 1))
		return -errno;
	x->rows++;
	x->bytes += len + 1;
	x->count[res->status < REPLY_NSTATUS ? res->status : 0]++;
	return 0;
}

/* The first corrupt row: the good rows before it start the new file. */
static int start_rewrite(struct reindex *x, uint64_t good_end)
{
	char path[600], buf[CHUNK];
	uint64_t pos = 0;
	int r = path_of(x->j, "results.ndjson.tmp", path, sizeof(path));
	if (r < 0 || (x->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		return r < 0 ? r : -errno;
	while (pos < good_end) {
		ssize_t n = pread(x->j->results_fd, buf, MIN(sizeof(buf), good_end - pos), (off_t)pos);
		if (n <= 0 || write(x->out, buf, (size_t)n) != n)
			return n < 0 ? -errno : -EIO;
		pos += (uint64_t)n;
	}
	if (path_of(x->j, "results.corrupt", path, sizeof(path)) < 0 ||
	    !(x->corrupt = fopen(path, "ae")))
		return -errno;
	return 0;
}

static int corrupt_row(struct reindex *x, const char *line, size_t len, uint64_t line_no,
		       uint64_t line_start)
{
	int r;
	if (x->out < 0 && (r = start_rewrite(x, line_start)) < 0)
		return r;
	fprintf(x->corrupt, "line %llu: %.*s%s\n", (unsigned long long)line_no, (int)MIN(len, 512u),
		line, len > 512 ? "..." : "");
	x->bad++;
	log_warn("job %s: results.ndjson line %llu is corrupt; moved to results.corrupt", x->j->id,
		 (unsigned long long)line_no);
	return 0;
}

/* One line of the file being indexed (an each_line callback); overlong
 * lines are corrupt. */
static int index_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t start)
{
	struct reindex *x = ctx;
	struct result res;
	x->line_no++;
	if (!overlong && output_parse_ndjson(line, len, &res) == 0)
		return keep_row(x, line, len, &res);
	return corrupt_row(x, line, len, x->line_no, start);
}

/* Puts the rewritten file in place of the old one and reopens it. */
static int finish_rewrite(struct reindex *x)
{
	char tmp[600], path[600];
	int r = 0;
	if (fsync(x->out) < 0)
		r = -errno;
	close(x->out);
	x->out = -1;
	fclose(x->corrupt);
	x->corrupt = NULL;
	if (r < 0 || path_of(x->j, "results.ndjson.tmp", tmp, sizeof(tmp)) < 0 ||
	    path_of(x->j, "results.ndjson", path, sizeof(path)) < 0 || rename(tmp, path) < 0)
		return r < 0 ? r : -errno;
	close(x->j->results_fd);
	x->j->results_fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	return x->j->results_fd < 0 ? -errno : 0;
}

/* Drops a torn last row (a crash mid-write), if there is one. */
static int cut_tail(struct job *j, uint64_t end)
{
	struct stat st;
	if (fstat(j->results_fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size == end)
		return 0;
	if (ftruncate(j->results_fd, (off_t)end) < 0)
		return -errno;
	j->unsynced = true;
	return 0;
}

/* The counters from the file: every status the job records is counted
 * there; a status it does not record keeps its checkpoint count. */
static void index_counts(struct job *j, const struct reindex *x)
{
	if (!j->spec.probe.record)
		j->replies = x->rows;
	for (uint8_t st = 1; st < REPLY_NSTATUS; st++)
		if (jobprobe_keeps(&j->spec.probe, st))
			*job_status_count(j, st) = x->count[st];
}

int jobresults_index(struct job *j, struct dedup *dd)
{
	struct reindex x = { .j = j, .dd = dd, .out = -1 };
	uint64_t good_end = 0;
	int r;
	if ((r = jobresults_open(j)) < 0)
		return r;
	j->nmarks = 0;
	r = each_line(j->results_fd, 0, UINT64_MAX, index_line, &x, &good_end);
	if (r == 0 && x.out >= 0)
		r = finish_rewrite(&x);
	else if (r == 0)
		r = cut_tail(j, good_end);
	if (x.out >= 0)
		close(x.out);
	if (x.corrupt)
		fclose(x.corrupt);
	if (r < 0)
		return r;
	if (x.bad)
		log_warn("job %s: %llu corrupt result row(s) moved to %s/results.corrupt; the others are kept",
			 j->id, (unsigned long long)x.bad, j->dir);
	j->nresults = x.rows;
	j->results_bytes = x.bytes;
	index_counts(j, &x);
	j->indexed = true;
	return 0;
}

struct pager {
	jobresults_row_fn fn;
	void *ctx;
	uint64_t skip, left;
	long given;
};

/* One line for the pager (an each_line callback): skipped, given, or the
 * end of the page. */
static int page_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t start)
{
	struct pager *pg = ctx;
	int r;
	(void)overlong;
	(void)start;
	if (pg->skip) {
		pg->skip--;
		return 0;
	}
	if ((r = pg->fn(pg->ctx, line, len)) < 0)
		return r;
	pg->given++;
	return --pg->left ? 0 : 1;
}

long jobresults_page(struct job *j, uint64_t first, uint64_t limit, jobresults_row_fn fn, void *ctx)
{
	struct pager pg = { fn, ctx, first % JOBRESULTS_MARK, limit, 0 };
	bool opened = j->results_fd < 0;
	int r = 0;
	if (opened && (r = jobresults_open(j)) < 0)
		return r;
	if (!j->indexed)
		r = jobresults_index(j, NULL);
	if (r == 0)
		r = jobresults_flush(j, false);
	if (r == 0 && first < j->nresults && limit)
		r = each_line(j->results_fd, j->marks[first / JOBRESULTS_MARK], j->results_bytes,
			      page_line, &pg, NULL);
	if (opened)
		jobresults_close(j);
	return r < 0 ? r : pg.given;
}
