/* The row index (see jobindex.h): the rebuild thread, results.idx, install. */
#include "jobindex.h"
#include "jobprobe.h"
#include "jobresults.h"
#include "log.h"
#include "output.h"
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC "SCANDIX1"

/* Rebuilds whose thread runs (main thread only). After a restart every job
 * to resume needs a rebuild: a thread each would be as many threads as
 * jobs, so the others wait for a slot (started by jobindex_poll). */
static unsigned builds_running;

/* A growable array of row numbers or offsets. */
struct u64s {
	uint64_t *v;
	size_t n, cap;
};

static int u64s_push(struct u64s *a, uint64_t x)
{
	return jobresults_push(&a->v, &a->n, &a->cap, x);
}

/* One rebuild. The thread owns everything below `done`; the main thread
 * reads it after `finished`. The job's space and dedup are the thread's
 * while it runs (the job does not run before the index is installed). */
struct jobindex {
	pthread_t th;
	int fd;
	uint64_t size;
	const struct space *space; /* resume: rows go into dd */
	struct dedup *dd;
	char corrupt_path[600];
	bool started; /* its thread runs (else it waits for a slot) */
	_Atomic bool finished, cancel;
	/* results */
	struct u64s marks, holes;
	uint64_t lines, good_end;
	uint64_t count[REPLY_NSTATUS]; /* rows by status */
	FILE *corrupt;
	int err;
};

static int index_line(void *ctx, const char *line, size_t len, bool overlong, uint64_t start)
{
	struct jobindex *x = ctx;
	struct result res;
	int r = 0;
	if (atomic_load_explicit(&x->cancel, memory_order_relaxed))
		return -ECANCELED;
	if (x->lines % JOBRESULTS_MARK == 0 && (r = u64s_push(&x->marks, start)) < 0)
		return r;
	if (!overlong && output_parse_ndjson(line, len, &res) == 0) {
		int64_t idx = x->dd ? space_index(x->space, &res.ip, res.port) : -1;
		if (idx >= 0)
			dedup_insert(x->dd, (uint64_t)idx);
		x->count[res.status < REPLY_NSTATUS ? res.status : 0]++;
	} else {
		if (!x->corrupt && !(x->corrupt = fopen(x->corrupt_path, "we")))
			return -errno;
		fprintf(x->corrupt, "line %llu: %.*s%s\n", (unsigned long long)x->lines + 1,
			(int)MIN(len, 512u), line, len > 512 ? "..." : "");
		r = u64s_push(&x->holes, x->lines);
	}
	x->lines++;
	return r;
}

static void *index_main(void *arg)
{
	struct jobindex *x = arg;
	x->err = jobresults_each_line(x->fd, 0, x->size, index_line, x, &x->good_end);
	if (x->corrupt && fclose(x->corrupt) != 0 && !x->err)
		x->err = -EIO;
	x->corrupt = NULL;
	atomic_store_explicit(&x->finished, true, memory_order_release);
	return NULL;
}

static void index_free(struct jobindex *x)
{
	if (x->fd >= 0)
		close(x->fd);
	free(x->marks.v);
	free(x->holes.v);
	free(x);
}

unsigned jobindex_builds_running(void)
{
	return builds_running;
}

/* Starts x's thread when a slot is free; 0 also when it must wait. */
static int build_start(struct jobindex *x)
{
	int r;
	if (x->started || builds_running >= JOBINDEX_MAX_BUILDS)
		return 0;
	if ((r = -pthread_create(&x->th, NULL, index_main, x)) < 0)
		return r;
	x->started = true;
	builds_running++;
	return 0;
}

/* Waits for x's thread, if it was started. */
static void build_join(struct jobindex *x)
{
	if (!x->started)
		return;
	pthread_join(x->th, NULL);
	x->started = false;
	builds_running--;
}

int jobindex_start(struct job *j, bool resume)
{
	char path[600];
	struct stat st;
	struct jobindex *x;
	int r;
	if (j->index_build)
		return 0;
	snprintf(path, sizeof(path), "%s/results.ndjson", j->dir);
	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	snprintf(x->corrupt_path, sizeof(x->corrupt_path), "%s/results.corrupt", j->dir);
	x->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (x->fd < 0 && errno == ENOENT) /* no row yet: an empty index */
		r = 0;
	else
		r = x->fd < 0 || fstat(x->fd, &st) < 0 ? -errno : 0;
	x->size = r == 0 && x->fd >= 0 ? (uint64_t)st.st_size : 0;
	if (resume && j->dedup_ok && j->space_ok) {
		x->space = &j->space;
		x->dd = &j->dedup;
	}
	if (r == 0 && (r = build_start(x)) == 0) {
		j->index_build = x;
		j->index_resume = resume;
		return 0;
	}
	index_free(x);
	return r;
}

void jobindex_cancel(struct job *j)
{
	struct jobindex *x = j->index_build;
	if (!x)
		return;
	atomic_store(&x->cancel, true);
	build_join(x);
	index_free(x);
	j->index_build = NULL;
}

/* results.idx: magic, then the results file's size and mtime when indexed,
 * rows, bytes of whole rows, marks and holes counts, then the marks and the
 * holes (native u64s: it is read only by the scand that wrote it, and any
 * doubt means a rebuild). */
enum { H_SIZE, H_MTIME, H_ROWS, H_BYTES, H_NMARKS, H_NHOLES, H_N };

static int results_stat(const struct job *j, uint64_t *size, uint64_t *mtime_ns)
{
	char path[600];
	struct stat st;
	snprintf(path, sizeof(path), "%s/results.ndjson", j->dir);
	if (stat(path, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	*mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	return 0;
}

int jobindex_save(struct job *j)
{
	uint64_t h[H_N] = { 0, 0, j->nresults, j->results_bytes, j->nmarks, j->nholes };
	size_t len = 8 + sizeof(h) + (j->nmarks + j->nholes) * sizeof(uint64_t);
	char path[600], *buf;
	int r;
	if (!j->indexed)
		return -ESTALE;
	if ((r = results_stat(j, &h[H_SIZE], &h[H_MTIME])) < 0)
		return r;
	if (!(buf = malloc(len)))
		return -ENOMEM;
	memcpy(buf, IDX_MAGIC, 8);
	memcpy(buf + 8, h, sizeof(h));
	if (j->nmarks) /* an empty array may be NULL: no memcpy from it */
		memcpy(buf + 8 + sizeof(h), j->marks, j->nmarks * sizeof(uint64_t));
	if (j->nholes)
		memcpy(buf + 8 + sizeof(h) + j->nmarks * sizeof(uint64_t), j->holes, j->nholes * sizeof(uint64_t));
	snprintf(path, sizeof(path), "%s/results.idx", j->dir);
	r = statefile_replace(path, buf, len); /* a cache: a torn one is rebuilt */
	free(buf);
	return r;
}

/* results.idx when it describes results.ndjson as it is now. */
static int index_load(struct job *j)
{
	uint64_t h[H_N], size, mtime;
	char path[600], *buf;
	size_t len;
	int r = results_stat(j, &size, &mtime);
	snprintf(path, sizeof(path), "%s/results.idx", j->dir);
	if (r < 0 || (r = statefile_read(path, 1u << 30, &buf, &len)) < 0)
		return r;
	if (len >= 8 + sizeof(h))
		memcpy(h, buf + 8, sizeof(h));
	if (len < 8 + sizeof(h) || memcmp(buf, IDX_MAGIC, 8) || h[H_SIZE] != size || h[H_MTIME] != mtime ||
	    h[H_NMARKS] != (h[H_ROWS] + JOBRESULTS_MARK - 1) / JOBRESULTS_MARK || h[H_NHOLES] > h[H_ROWS] ||
	    len != 8 + sizeof(h) + (h[H_NMARKS] + h[H_NHOLES]) * sizeof(uint64_t)) {
		free(buf);
		return -ESTALE;
	}
	jobresults_free(j);
	j->marks = malloc(MAX(h[H_NMARKS], 1) * sizeof(uint64_t));
	j->holes = malloc(MAX(h[H_NHOLES], 1) * sizeof(uint64_t));
	if (j->marks && j->holes) {
		memcpy(j->marks, buf + 8 + sizeof(h), h[H_NMARKS] * sizeof(uint64_t));
		memcpy(j->holes, buf + 8 + sizeof(h) + h[H_NMARKS] * sizeof(uint64_t), h[H_NHOLES] * sizeof(uint64_t));
		j->nmarks = j->marks_cap = h[H_NMARKS];
		j->nholes = h[H_NHOLES];
		j->nresults = h[H_ROWS];
		j->results_bytes = h[H_BYTES];
		j->indexed = true;
	}
	free(buf);
	return j->indexed ? 0 : (jobresults_free(j), -ENOMEM);
}

/* A job about to resume: its counts from the rows kept (a status the job
 * does not record keeps its checkpoint count), the file open for
 * appending, a torn last row cut off (rows are appended after it). */
static int install_resume(struct job *j, const struct jobindex *x)
{
	int r;
	if (!j->spec.probe.record)
		j->replies = x->lines - x->holes.n;
	for (uint8_t st = 1; st < REPLY_NSTATUS; st++)
		if (jobprobe_keeps(&j->spec.probe, st))
			*job_status_count(j, st) = x->count[st];
	if ((r = jobresults_open(j)) < 0 || x->size == x->good_end)
		return r;
	if (ftruncate(j->results_fd, (off_t)x->good_end) < 0)
		return -errno;
	j->unsynced = true;
	return 0;
}

static int install(struct job *j, struct jobindex *x)
{
	jobresults_free(j);
	j->marks = x->marks.v;
	j->nmarks = x->marks.n;
	j->marks_cap = x->marks.cap;
	j->holes = x->holes.v;
	j->nholes = x->holes.n;
	x->marks.v = x->holes.v = NULL;
	j->nresults = x->lines;
	j->results_bytes = x->good_end;
	j->indexed = true;
	if (x->holes.n)
		log_warn("job %s: %zu corrupt result row(s) are not served; copied with their line numbers to %s",
			 j->id, x->holes.n, x->corrupt_path);
	if (j->index_resume)
		return install_resume(j, x);
	if (job_state_final(j->state) && x->size) { /* an empty file is indexed at once */
		int r = jobindex_save(j);
		if (r < 0)
			log_errno(r, "job %s: cannot store results.idx (rebuilt again when needed)", j->id);
	}
	return 0;
}

int jobindex_poll(struct job *j)
{
	struct jobindex *x = j->index_build;
	int r = 0;
	if (!x || (x->started && !atomic_load_explicit(&x->finished, memory_order_acquire)))
		return 0;
	if (!x->started && (r = build_start(x)) == 0)
		return 0;
	build_join(x);
	j->index_build = NULL;
	r = r < 0 ? r : x->err ? x->err : install(j, x);
	if (r < 0)
		snprintf(j->error, sizeof(j->error), "%s/results.ndjson: %s", j->dir, strerror(-r));
	index_free(x);
	return r < 0 ? r : 1;
}

int jobindex_ready(struct job *j, struct job_error *err)
{
	int r;
	if (j->indexed)
		return 0;
	if (!j->index_build && index_load(j) == 0)
		return 0;
	if (!j->index_build && (r = jobindex_start(j, false)) < 0)
		return job_error_set(err, JOB_ERR_INTERNAL, "", "cannot read the results of %s: %s", j->id,
				     strerror(-r));
	err->retry_ms = JOBINDEX_RETRY_MS;
	return job_error_set(err, JOB_ERR_LIMIT, "job_id",
			     "the row index of %s's results is being rebuilt (%s is missing or stale); retry in a moment",
			     j->id, "results.idx");
}
