/* Job persistence (DESIGN §2): spec.json, checkpoint.json (atomic, every
 * tick), results.ndjson (append, fsync before each checkpoint) and reload
 * after a restart, including a truncated last row and corrupt files. */
#include "jobstore.h"
#include "log.h"
#include "scan/output.h"
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WBUF_SIZE (64 * 1024)
#define STATE_MAX (16 * 1024 * 1024)

static int path_in(const struct job *j, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", j->dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static void pending_add(cJSON *arr, const struct pos_range *pr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateArray();
		cJSON_AddItemToArray(r, cJSON_CreateNumber((double)pr[i].begin));
		cJSON_AddItemToArray(r, cJSON_CreateNumber((double)pr[i].end));
		cJSON_AddItemToArray(arr, r);
	}
}

static cJSON *checkpoint_json(const struct job *j, const struct job_resume *rp)
{
	cJSON *o = cJSON_CreateObject(), *pend = cJSON_CreateArray();
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", j->key[i]);
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddStringToObject(o, "key", hex);
	if (j->error[0])
		cJSON_AddStringToObject(o, "error", j->error);
	cJSON_AddNumberToObject(o, "submitted_ms", (double)j->submitted_ms);
	cJSON_AddNumberToObject(o, "started_ms", (double)j->started_ms);
	cJSON_AddNumberToObject(o, "finished_ms", (double)j->finished_ms);
	if (!job_state_final(j->state))
		pending_add(pend, rp->pending, rp->npending);
	cJSON_AddNumberToObject(o, "sent", (double)rp->sent);
	cJSON_AddItemToObject(o, "pending", pend);
	return o;
}

static int write_json(const struct job *j, const char *name, cJSON *o)
{
	char path[600], *text = cJSON_PrintUnformatted(o);
	int r = text ? path_in(j, name, path, sizeof(path)) : -ENOMEM;
	if (r == 0)
		r = statefile_write(path, text, strlen(text));
	free(text);
	cJSON_Delete(o);
	return r;
}

int jobstore_checkpoint(struct job *j, const struct job_resume *rp)
{
	int r = jobstore_results_flush(j, true);
	if (r < 0)
		return r;
	return write_json(j, "checkpoint.json", checkpoint_json(j, rp));
}

int jobstore_save_spec(struct job *j)
{
	return write_json(j, "spec.json", jobspec_to_json(&j->spec));
}

int jobstore_results_open(struct job *j)
{
	char path[600];
	int r = path_in(j, "results.ndjson", path, sizeof(path));
	if (r < 0)
		return r;
	j->results_fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (j->results_fd < 0)
		return -errno;
	if (!j->wbuf && !(j->wbuf = malloc(WBUF_SIZE)))
		return -ENOMEM;
	return 0;
}

int jobstore_create(struct job *j, const char *state_dir)
{
	int r;
	if (snprintf(j->dir, sizeof(j->dir), "%s/jobs/%s", state_dir, j->id) >= (int)sizeof(j->dir))
		return -ENAMETOOLONG;
	if ((r = statefile_mkdirs(j->dir, 0750)) < 0)
		return r;
	if ((r = jobstore_save_spec(j)) < 0)
		return r;
	if ((r = jobstore_results_open(j)) < 0)
		return r;
	return jobstore_checkpoint(j, &(struct job_resume){ j->pending, j->npending, 0 });
}

int jobstore_results_flush(struct job *j, bool sync)
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
			if (ftruncate(j->results_fd, (off_t)(j->results_bytes - j->wlen)) < 0)
				log_warn("job %s: cannot drop a partial results row: %s", j->id, strerror(errno));
			return r;
		}
		off += (size_t)n;
	}
	j->wlen = 0;
	if (sync && fsync(j->results_fd) < 0)
		return -errno;
	return 0;
}

static int offsets_push(struct job *j, uint64_t off)
{
	if (j->nresults == j->offsets_cap) {
		size_t cap = j->offsets_cap ? j->offsets_cap * 2 : 1024;
		uint64_t *o = realloc(j->offsets, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		j->offsets = o;
		j->offsets_cap = cap;
	}
	j->offsets[j->nresults++] = off;
	return 0;
}

int jobstore_results_append(struct job *j, const char *line, size_t len)
{
	int r;
	if (j->wlen + len > WBUF_SIZE && (r = jobstore_results_flush(j, false)) < 0)
		return r;
	if ((r = offsets_push(j, j->results_bytes)) < 0)
		return r;
	memcpy(j->wbuf + j->wlen, line, len);
	j->wlen += len;
	j->results_bytes += len;
	return 0;
}

ssize_t jobstore_results_row(struct job *j, size_t i, char *buf, size_t cap)
{
	if (i >= j->nresults)
		return -ENOENT;
	if (j->wlen && jobstore_results_flush(j, false) < 0)
		return -EIO;
	uint64_t end = i + 1 < j->nresults ? j->offsets[i + 1] : j->results_bytes;
	size_t len = (size_t)(end - j->offsets[i]);
	if (len > cap)
		return -ENOBUFS;
	ssize_t n = pread(j->results_fd, buf, len, (off_t)j->offsets[i]);
	return n < 0 ? -errno : n;
}

void jobstore_close(struct job *j)
{
	if (j->results_fd >= 0) {
		jobstore_results_flush(j, true);
		close(j->results_fd);
	}
	j->results_fd = -1;
}

/* Re-indexes results.ndjson after a restart: offsets, dedup, counts. A
 * partial last row (crash mid-write) is cut off. */
static int results_reload(struct job *j)
{
	char buf[65536], line[OUTPUT_MAX_LINE + 1];
	size_t llen = 0;
	uint64_t pos = 0, line_start = 0;
	ssize_t n;

	while ((n = pread(j->results_fd, buf, sizeof(buf), (off_t)pos)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (llen < OUTPUT_MAX_LINE)
					line[llen++] = buf[i];
				continue;
			}
			struct result res;
			int64_t idx;
			if (output_parse_ndjson(line, llen, &res) < 0)
				return -EBADMSG;
			idx = j->space_ok ? space_index(&j->space, &res.ip, res.port) : -1;
			if (idx < 0 || dedup_insert(&j->dedup, (uint64_t)idx)) {
				if (offsets_push(j, line_start) < 0)
					return -ENOMEM;
				j->replies++;
				res.status == 1 ? j->open++ : j->closed++;
			}
			llen = 0;
			line_start = pos + (uint64_t)i + 1;
		}
		pos += (uint64_t)n;
	}
	if (n < 0)
		return -errno;
	if (line_start != pos && ftruncate(j->results_fd, (off_t)line_start) < 0)
		return -errno;
	j->results_bytes = line_start;
	return 0;
}

static int read_json(struct job *j, const char *name, cJSON **out)
{
	char path[600], *text;
	int r = path_in(j, name, path, sizeof(path));
	if (r == 0)
		r = statefile_read(path, STATE_MAX, &text, NULL);
	if (r < 0)
		return snprintf(j->error, sizeof(j->error), "cannot read %s: %s", path,
				strerror(-r)), r;
	*out = cJSON_Parse(text);
	free(text);
	if (!*out || !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		snprintf(j->error, sizeof(j->error),
			 "%s is corrupt (not a JSON object); the job cannot resume", path);
		return -EBADMSG;
	}
	return 0;
}

static int parse_key(struct job *j, const char *hex)
{
	if (!hex || strlen(hex) != 32)
		return -EBADMSG;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -EBADMSG;
		j->key[i] = (uint8_t)v;
	}
	return 0;
}

static uint64_t json_u64(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (uint64_t)v->valuedouble : 0;
}

static int parse_pending(struct job *j, const cJSON *arr)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), k = 0;
	const cJSON *r;
	if (!cJSON_IsArray(arr) || !(j->pending = calloc(n + 1, sizeof(*j->pending))))
		return -EBADMSG;
	cJSON_ArrayForEach(r, arr) {
		const cJSON *b = cJSON_GetArrayItem(r, 0), *e = cJSON_GetArrayItem(r, 1);
		if (!cJSON_IsNumber(b) || !cJSON_IsNumber(e) || b->valuedouble < 0 ||
		    e->valuedouble < b->valuedouble || e->valuedouble > (double)j->space.total)
			return -EBADMSG;
		j->pending[k++] = (struct pos_range){ (uint64_t)b->valuedouble,
						      (uint64_t)e->valuedouble };
	}
	j->npending = k;
	return 0;
}

static int checkpoint_load(struct job *j)
{
	cJSON *c;
	int r = read_json(j, "checkpoint.json", &c);
	if (r < 0)
		return r;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "state");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(c, "error");
	if (!cJSON_IsString(st) || job_state_parse(st->valuestring, &j->state) < 0 ||
	    parse_key(j, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "key"))) < 0 ||
	    parse_pending(j, cJSON_GetObjectItemCaseSensitive(c, "pending")) < 0) {
		snprintf(j->error, sizeof(j->error),
			 "%s/checkpoint.json is corrupt (bad state, key or pending); the job cannot resume",
			 j->dir);
		r = -EBADMSG;
	}
	if (cJSON_IsString(err) && r == 0)
		snprintf(j->error, sizeof(j->error), "%s", err->valuestring);
	j->submitted_ms = json_u64(c, "submitted_ms");
	j->started_ms = json_u64(c, "started_ms");
	j->finished_ms = json_u64(c, "finished_ms");
	j->sent_base = json_u64(c, "sent");
	cJSON_Delete(c);
	return r;
}

int jobstore_load(struct job *j, const char *state_dir, const char *id, const struct config *cfg,
		  const struct cidr_list *block, const struct cidr_list *allow)
{
	struct rpc_error e = { 0 };
	cJSON *spec;
	int r;

	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->dir, sizeof(j->dir), "%s/jobs/%s", state_dir, id);
	j->results_fd = -1;
	if ((r = read_json(j, "spec.json", &spec)) < 0)
		return r;
	r = jobspec_from_json(spec, cfg, &j->spec, &e);
	cJSON_Delete(spec);
	if (r == 0 && (r = jobspec_build_space(&j->spec, cfg, block, allow, &j->space, &e)) == 0)
		j->space_ok = true;
	if (r < 0)
		return snprintf(j->error, sizeof(j->error), "spec.json no longer valid: %s%s%s",
				e.field, e.field[0] ? ": " : "", e.message), -EINVAL;
	if ((r = checkpoint_load(j)) < 0)
		return r;
	if ((r = dedup_init(&j->dedup, j->space.total, cfg->dedup_bitmap_max,
			    DEDUP_DEFAULT_WINDOW)) < 0)
		return snprintf(j->error, sizeof(j->error), "no memory for dedup"), r;
	j->dedup_ok = true;
	if ((r = jobstore_results_open(j)) < 0 || (r = results_reload(j)) < 0)
		return snprintf(j->error, sizeof(j->error), "%s/results.ndjson: %s", j->dir,
				r == -EBADMSG ? "corrupt row" : strerror(-r)), r;
	return 0;
}
