/* Job persistence (see jobstore.h): spec.json, space.json and
 * checkpoint.json (each replaced atomically), loading them after a restart
 * without ever rewriting them, and removing a job's directory. */
#include "jobstore.h"
#include "jobowner.h"
#include "jobresults.h"
#include "log.h"
#include "statefile.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STATE_MAX (256 * 1024 * 1024)

static int path_in(const struct job *j, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", j->dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

/* Replaces name atomically; the directory's fsync is left to the caller
 * when several files are written at once (sync_dir false). */
static int write_json_in(const struct job *j, const char *name, cJSON *o, bool sync_dir)
{
	char path[600], *text = cJSON_PrintUnformatted(o);
	int r = text ? path_in(j, name, path, sizeof(path)) : -ENOMEM;
	if (r == 0)
		r = sync_dir ? statefile_write(path, text, strlen(text))
			     : statefile_write_nodir(path, text, strlen(text));
	free(text);
	cJSON_Delete(o);
	return r;
}

static int write_json(const struct job *j, const char *name, cJSON *o)
{
	return write_json_in(j, name, o, true);
}

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
	cJSON_AddNumberToObject(o, k, (double)v);
}

static cJSON *checkpoint_json(const struct job *j, const struct job_resume *rp)
{
	cJSON *o = cJSON_CreateObject(), *pend = cJSON_AddArrayToObject(o, "pending");
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", j->key[i]);
	cJSON_AddNumberToObject(o, "version", 2);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddStringToObject(o, "key", hex);
	if (j->error[0])
		cJSON_AddStringToObject(o, "error", j->error);
	cJSON_AddItemToObject(o, "owner_uid", job_owner_json(j));
	add_u64(o, "submitted_ms", j->submitted_ms);
	add_u64(o, "started_ms", j->started_ms);
	add_u64(o, "finished_ms", j->finished_ms);
	for (size_t i = 0; !job_state_final(j->state) && i < rp->npending; i++) {
		cJSON *r = cJSON_CreateArray();
		cJSON_AddItemToArray(r, cJSON_CreateNumber((double)rp->pending[i].begin));
		cJSON_AddItemToArray(r, cJSON_CreateNumber((double)rp->pending[i].end));
		cJSON_AddItemToArray(pend, r);
	}
	add_u64(o, "sent", rp->sent); /* positions done, skipped ones included */
	add_u64(o, "skipped", rp->skipped);
	/* the summary a finished job keeps (its results stay on disk) */
	add_u64(o, "total", j->total);
	add_u64(o, "replies", j->replies);
	add_u64(o, "open", j->open);
	add_u64(o, "closed", j->closed);
	add_u64(o, "up", j->up);
	add_u64(o, "unreachable", j->unreachable);
	add_u64(o, "results", j->nresults);
	add_u64(o, "results_bytes", j->results_bytes);
	add_u64(o, "ring_drops", rp->ring_drops);
	add_u64(o, "lost_nic", j->lost_nic);
	cJSON_AddNumberToObject(o, "tx_rate", j->tx_rate);
	return o;
}

int jobstore_checkpoint(struct job *j, const struct job_resume *rp)
{
	int r = jobresults_flush(j, true);
	if (r < 0)
		return r;
	return write_json(j, "checkpoint.json", checkpoint_json(j, rp));
}

int jobstore_save_spec(struct job *j)
{
	return write_json(j, "spec.json", jobspec_to_json(&j->spec));
}

static cJSON *ranges_json(const struct range_set *rs)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < rs->n; i++) {
		char lo[40], hi[40];
		cJSON *r = cJSON_CreateArray();
		snprintf(lo, sizeof(lo), "%016llx%016llx", (unsigned long long)(rs->r[i].lo >> 64),
			 (unsigned long long)rs->r[i].lo);
		snprintf(hi, sizeof(hi), "%016llx%016llx", (unsigned long long)(rs->r[i].hi >> 64),
			 (unsigned long long)rs->r[i].hi);
		cJSON_AddItemToArray(r, cJSON_CreateString(lo));
		cJSON_AddItemToArray(r, cJSON_CreateString(hi));
		cJSON_AddItemToArray(a, r);
	}
	return a;
}

/* space.json: the hosts of the index space as built at submit (targets
 * minus the blocklist of that moment), which the positions refer to. */
static cJSON *space_json(const struct job *j)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "v4", ranges_json(&j->space.v4));
	cJSON_AddItemToObject(o, "v6", ranges_json(&j->space.v6));
	return o;
}

/* The job's files are each fsync'ed, then the directory once and its parent
 * once (the new directory's entry): durable before job.submit answers, with
 * as few fsyncs as that takes (they are most of a submit's time). */
int jobstore_create(struct job *j, const char *state_dir)
{
	const struct job_resume rp = { j->pending, j->npending, 0, 0 };
	char parent[600];
	int r;
	if (snprintf(j->dir, sizeof(j->dir), "%s/jobs/%s", state_dir, j->id) >= (int)sizeof(j->dir))
		return -ENAMETOOLONG;
	snprintf(parent, sizeof(parent), "%s/jobs", state_dir);
	if ((r = statefile_mkdirs(j->dir, 0750)) < 0 ||
	    (r = write_json_in(j, "spec.json", jobspec_to_json(&j->spec), false)) < 0 ||
	    (r = write_json_in(j, "space.json", space_json(j), false)) < 0 ||
	    (r = jobresults_open(j)) < 0 ||
	    (r = write_json_in(j, "checkpoint.json", checkpoint_json(j, &rp), false)) < 0 ||
	    (r = statefile_sync_dir(j->dir)) < 0 || (r = statefile_sync_dir(parent)) < 0)
		return r;
	j->indexed = true;
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
		    e->valuedouble < b->valuedouble || e->valuedouble > (double)SPACE_MAX_TOTAL ||
		    (k && b->valuedouble < (double)j->pending[k - 1].end))
			return -EBADMSG;
		j->pending[k++] = (struct pos_range){ (uint64_t)b->valuedouble,
						      (uint64_t)e->valuedouble };
	}
	j->npending = k;
	return 0;
}

/* checkpoint.json's owner_uid; a job stored before owners were recorded
 * has none (jobowner.h says who may act on it). */
static uid_t owner_load(const cJSON *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "owner_uid");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= (double)JOB_OWNER_UNKNOWN ||
	    v->valuedouble != (double)(uid_t)v->valuedouble)
		return JOB_OWNER_UNKNOWN;
	return (uid_t)v->valuedouble;
}

static void summary_load(struct job *j, const cJSON *c)
{
	const cJSON *tx = cJSON_GetObjectItemCaseSensitive(c, "tx_rate");
	j->owner = owner_load(c);
	j->submitted_ms = json_u64(c, "submitted_ms");
	j->started_ms = json_u64(c, "started_ms");
	j->finished_ms = json_u64(c, "finished_ms");
	j->sent_base = json_u64(c, "sent");
	j->skipped_base = json_u64(c, "skipped");
	/* a finished job never loads its space again: the total is kept here
	 * (older checkpoints lack it: probes done is the total of a done job) */
	j->total = cJSON_HasObjectItem(c, "total") ? json_u64(c, "total") : j->sent_base;
	j->replies = json_u64(c, "replies");
	j->open = json_u64(c, "open");
	j->closed = json_u64(c, "closed");
	j->up = json_u64(c, "up");
	j->unreachable = json_u64(c, "unreachable");
	j->nresults = json_u64(c, "results");
	j->results_bytes = json_u64(c, "results_bytes");
	j->ring_drops_base = json_u64(c, "ring_drops");
	j->lost_nic = json_u64(c, "lost_nic");
	j->tx_rate = cJSON_IsNumber(tx) ? tx->valuedouble : 0;
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
	    j->state == JOB_HELD || /* held is never stored */
	    parse_key(j, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "key"))) < 0 ||
	    parse_pending(j, cJSON_GetObjectItemCaseSensitive(c, "pending")) < 0) {
		snprintf(j->error, sizeof(j->error),
			 "%s/checkpoint.json is corrupt (bad state, key or pending); the job cannot resume",
			 j->dir);
		r = -EBADMSG;
	}
	if (cJSON_IsString(err) && r == 0)
		snprintf(j->error, sizeof(j->error), "%s", err->valuestring);
	summary_load(j, c);
	cJSON_Delete(c);
	return r;
}

int jobstore_load(struct job *j, const char *state_dir, const char *id, const struct config *cfg)
{
	struct job_error e = { 0 };
	cJSON *spec;
	int r;

	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->dir, sizeof(j->dir), "%s/jobs/%s", state_dir, id);
	j->results_fd = -1;
	if ((r = read_json(j, "spec.json", &spec)) < 0)
		return r;
	r = jobspec_from_stored(spec, cfg, &j->spec, &e);
	cJSON_Delete(spec);
	if (r < 0)
		return snprintf(j->error, sizeof(j->error), "%s/spec.json is corrupt: %s%s%s", j->dir,
				e.field, e.field[0] ? ": " : "", e.message), -EBADMSG;
	return checkpoint_load(j);
}

static int hex128(const cJSON *v, u128 *out)
{
	unsigned long long hi, lo;
	const char *s = cJSON_GetStringValue(v);
	if (!s || strlen(s) != 32 || sscanf(s, "%16llx%16llx", &hi, &lo) != 2)
		return -EBADMSG;
	*out = (u128)hi << 64 | lo;
	return 0;
}

static int ranges_load(const cJSON *arr, struct range_set *rs)
{
	const cJSON *r;
	if (!cJSON_IsArray(arr))
		return -EBADMSG;
	cJSON_ArrayForEach(r, arr) {
		u128 lo, hi;
		if (hex128(cJSON_GetArrayItem(r, 0), &lo) < 0 || hex128(cJSON_GetArrayItem(r, 1), &hi) < 0 ||
		    hi < lo || (rs->af == AF_INET && hi > 0xffffffffu))
			return -EBADMSG;
		if (ranges_add(rs, lo, hi) < 0)
			return -ENOMEM;
	}
	ranges_normalize(rs);
	return 0;
}

/* The space from space.json: no blocklist is applied again, so the
 * checkpoint's positions keep their meaning whatever the config says now. */
static int space_from_file(struct job *j, const cJSON *o)
{
	struct range_set v4, v6;
	struct port_list ports = { 0 };
	struct errbuf e;
	int r;
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	if ((r = ranges_load(cJSON_GetObjectItemCaseSensitive(o, "v4"), &v4)) == 0 &&
	    (r = ranges_load(cJSON_GetObjectItemCaseSensitive(o, "v6"), &v6)) == 0 &&
	    (r = jobspec_ports(&j->spec, &ports, &e)) == 0)
		r = space_build(&j->space, &v4, &v6, &ports, NULL, &e);
	ranges_free(&v4);
	ranges_free(&v6);
	ports_free(&ports);
	if (r < 0)
		return snprintf(j->error, sizeof(j->error), "%s/space.json is corrupt; the job cannot resume",
				j->dir), r == -ENOMEM ? r : -EBADMSG;
	return 0;
}

int jobstore_load_space(struct job *j, const struct config *cfg, const struct cidr_list *block,
			const struct cidr_list *allow)
{
	struct job_error e = { 0 };
	char path[600];
	cJSON *o;
	int r;
	if (path_in(j, "space.json", path, sizeof(path)) == 0 && access(path, F_OK) == 0) {
		if ((r = read_json(j, "space.json", &o)) < 0)
			return r;
		r = space_from_file(j, o);
		cJSON_Delete(o);
	} else { /* stored before space.json existed: today's blocklist shapes it */
		log_warn("job %s has no space.json; its space is rebuilt under the current blocklist", j->id);
		if ((r = jobspec_build_space(&j->spec, cfg, block, allow, &j->space, &e)) < 0)
			snprintf(j->error, sizeof(j->error), "cannot rebuild the job's space: %s", e.message);
	}
	if (r < 0)
		return r;
	j->space_ok = true;
	for (size_t i = 0; i < j->npending; i++)
		if (j->pending[i].end > j->space.total)
			return snprintf(j->error, sizeof(j->error),
					"%s/checkpoint.json is corrupt (pending beyond the job's %llu positions)",
					j->dir, (unsigned long long)j->space.total), -EBADMSG;
	return 0;
}

int jobstore_remove(struct job *j)
{
	char path[700];
	struct dirent *de;
	DIR *d;
	jobresults_free(j);
	if (!(d = opendir(j->dir)))
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", j->dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
	return rmdir(j->dir) < 0 ? -errno : 0;
}
