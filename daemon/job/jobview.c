/* JSON views of jobs (see jobview.h). */
#include "jobview.h"
#include "clock.h"
#include "jobowner.h"
#include "jobrun.h"
#include "jobindex.h"
#include "jobresults.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RESULTS_MAX_LIMIT 10000

static void add_time(cJSON *o, const char *k, uint64_t ms)
{
	char buf[40];
	if (!ms) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	clock_iso8601_ms(ms, buf, sizeof(buf));
	cJSON_AddStringToObject(o, k, buf);
}

/* owner_uid (null for a job stored without one), labels and client_key
 * (null without one) */
static void add_keys(cJSON *o, const struct job *j)
{
	cJSON_AddItemToObject(o, "owner_uid", job_owner_json(j));
	cJSON_AddItemToObject(o, "labels", joblabels_json(&j->spec.labels));
	if (j->spec.keys.client_key[0])
		cJSON_AddStringToObject(o, "client_key", j->spec.keys.client_key);
	else
		cJSON_AddNullToObject(o, "client_key");
}

static double job_eta(const struct job *j, uint64_t sent)
{
	if (j->state == JOB_QUEUED || j->state == JOB_RUNNING) {
		double rate = j->spec.rate_pps ? (double)j->spec.rate_pps : 1;
		double left = j->total > sent ? (double)(j->total - sent) : 0;
		return left / rate + j->spec.cooldown_s;
	}
	if (j->state == JOB_COOLDOWN) {
		double left = j->cooldown_until - clock_mono_s();
		return left > 0 ? left : 0;
	}
	return 0;
}

cJSON *job_status_json(const struct job *j)
{
	cJSON *o = cJSON_CreateObject(), *nics, *sh, *lost;
	uint64_t sent = job_sent(j);
	uint64_t end = j->finished_ms ? j->finished_ms : clock_real_ms();

	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddStringToObject(o, "name", j->spec.name);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	if (j->state == JOB_HELD && job_hold_name(j->hold))
		cJSON_AddStringToObject(o, "held_reason", job_hold_name(j->hold));
	else
		cJSON_AddNullToObject(o, "held_reason");
	cJSON_AddNumberToObject(o, "sent", (double)(sent - job_skipped(j)));
	cJSON_AddNumberToObject(o, "skipped", (double)job_skipped(j));
	cJSON_AddNumberToObject(o, "total", (double)j->total);
	cJSON_AddNumberToObject(o, "replies", (double)j->replies);
	cJSON_AddNumberToObject(o, "open", (double)j->open);
	cJSON_AddNumberToObject(o, "closed", (double)j->closed);
	cJSON_AddNumberToObject(o, "up", (double)j->up);
	cJSON_AddNumberToObject(o, "unreachable", (double)j->unreachable);
	if (j->spec.probe.args.mod)
		cJSON_AddStringToObject(o, "probe", j->spec.probe.args.mod->name);
	else /* a job whose spec.json could not be read */
		cJSON_AddNullToObject(o, "probe");
	cJSON_AddNumberToObject(o, "pps", j->run ? j->pps : 0);
	cJSON_AddNumberToObject(o, "rate_pps", (double)j->spec.rate_pps);
	cJSON_AddNumberToObject(o, "tx_rate_pps", j->tx_rate);
	cJSON_AddNumberToObject(o, "rate_current_pps",
				(double)(j->spec.adaptive && j->run ? j->rc.rate : j->spec.rate_pps));
	cJSON_AddBoolToObject(o, "adaptive", j->spec.adaptive);
	cJSON_AddStringToObject(o, "pressure", pressure_name(job_pressure(j)));
	cJSON_AddStringToObject(o, "pressure_reason", job_pressure_reason(j));
	cJSON_AddNumberToObject(o, "behind_pps", j->run ? j->behind_pps : 0);
	cJSON_AddNumberToObject(o, "behind_probes", (double)job_behind(j));
	cJSON_AddNumberToObject(o, "ring_drops", (double)job_ring_drops(j));
	cJSON_AddNumberToObject(o, "results_waits", (double)job_results_waits(j));
	cJSON_AddBoolToObject(o, "complete", job_lossless(j));
	lost = cJSON_AddObjectToObject(o, "lost");
	cJSON_AddNumberToObject(lost, "results_ring", (double)job_ring_drops(j));
	cJSON_AddNumberToObject(lost, "nic", (double)j->lost_nic);
	cJSON_AddNumberToObject(o, "cuts", j->rc.cuts);
	if (job_state_final(j->state))
		cJSON_AddNullToObject(o, "eta_s");
	else
		cJSON_AddNumberToObject(o, "eta_s", job_eta(j, sent));
	if (j->error[0])
		cJSON_AddStringToObject(o, "error", j->error);
	else
		cJSON_AddNullToObject(o, "error");
	add_time(o, "submitted_at", j->submitted_ms);
	add_time(o, "started_at", j->started_ms);
	add_time(o, "finished_at", j->finished_ms);
	cJSON_AddNumberToObject(o, "elapsed_s",
				j->started_ms && end > j->started_ms ? (double)(end - j->started_ms) / 1e3 : 0);
	nics = cJSON_AddArrayToObject(o, "nics");
	for (unsigned i = 0; i < j->spec.nnics; i++)
		cJSON_AddItemToArray(nics, cJSON_CreateString(j->spec.nics[i]));
	sh = cJSON_AddObjectToObject(o, "shard");
	cJSON_AddNumberToObject(sh, "index", j->spec.shard_index);
	cJSON_AddNumberToObject(sh, "count", j->spec.shard_count);
	cJSON_AddNumberToObject(o, "results", (double)j->nresults);
	add_time(o, "last_progress_at", j->progress_ms);
	add_keys(o, j);
	return o;
}

cJSON *jobs_list_row(const struct job *j)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t sent = job_sent(j);
	double progress = j->total ? (double)MIN(sent, j->total) / (double)j->total : 1.0;
	cJSON_AddStringToObject(o, "job_id", j->id);
	cJSON_AddStringToObject(o, "name", j->spec.name);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddNumberToObject(o, "progress", j->state == JOB_DONE ? 1.0 : progress);
	cJSON_AddNumberToObject(o, "sent", (double)(sent - job_skipped(j)));
	cJSON_AddNumberToObject(o, "total", (double)j->total);
	add_keys(o, j);
	return o;
}

/* A page of rows: JSON values in arr, or lines of text in buf; full at
 * PAGE_BYTES of row text, so that one request costs the loop little
 * (the client asks for the next page from next_offset). */
#define PAGE_BYTES (256u << 10)

struct page {
	cJSON *arr;
	enum out_format f;
	char *buf;
	size_t len, cap, bytes;
};

/* Room for n more bytes of text and the closing quote and NUL. */
static int text_room(struct page *pg, size_t n)
{
	size_t cap;
	char *b;
	if (pg->len + n + 2 <= pg->cap)
		return 0;
	cap = MAX(pg->cap * 2, pg->len + n + 2 + PAGE_BYTES);
	if (!(b = realloc(pg->buf, cap)))
		return -ENOMEM;
	pg->buf = b;
	pg->cap = cap;
	return 0;
}

/* Appends line to the page's text as the inside of a JSON string: escaped
 * here, in one pass (the reply carries the string as a raw value, which
 * cJSON prints as it is: its own escaping was most of a page's cost). A row
 * is JSON text: '"' is the one character it escapes often. */
static int text_add(struct page *pg, const char *line, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *o;
	if (text_room(pg, 6 * len) < 0) /* "\u00XX" at worst */
		return -ENOMEM;
	o = pg->buf + pg->len;
	for (const unsigned char *p = (const unsigned char *)line, *end = p + len; p < end; p++) {
		unsigned char c = *p;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		}
	}
	pg->len = (size_t)(o - pg->buf);
	return 0;
}

/* One row (NUL-terminated) as the page wants it (a jobresults_row_fn).
 * NDJSON goes out as the stored text, never parsed and printed again: as
 * lines of a string, or as JSON values once it parses (a row changed on
 * disk since it was indexed is passed over). */
static int add_row(void *ctx, const char *row, size_t len)
{
	struct page *pg = ctx;
	char line[OUTPUT_MAX_LINE];
	struct result r;
	cJSON *item;
	int e;
	if (pg->bytes >= PAGE_BYTES)
		return -ENOSPC;
	pg->bytes += len;
	if (pg->f == OUT_CSV || pg->arr) {
		if (output_parse_ndjson(row, len, &r) < 0)
			return 0;
		if (pg->f == OUT_CSV) {
			len = output_csv(&r, line, sizeof(line)); /* ends in '\n' */
			row = line;
		}
	}
	if (!pg->arr) { /* text: the lines as they are */
		e = text_add(pg, row, len);
		e = e == 0 && pg->f == OUT_NDJSON ? text_add(pg, "\n", 1) : e;
		return e < 0 ? e : 1;
	}
	if (pg->f == OUT_CSV && len && row[len - 1] == '\n')
		line[len - 1] = '\0';
	item = pg->f == OUT_CSV ? cJSON_CreateString(line) : cJSON_CreateRaw(row);
	if (!item)
		return -ENOMEM;
	cJSON_AddItemToArray(pg->arr, item);
	return 1;
}

cJSON *job_results_json(struct job *j, uint64_t offset, uint64_t limit, enum out_format f, bool text,
			struct job_error *err)
{
	struct page pg = { NULL, f, NULL, 0, 0 };
	uint64_t next;
	cJSON *o;
	long n;

	if (limit < 1 || limit > RESULTS_MAX_LIMIT)
		return job_error_set(err, JOB_ERR_INVALID, "limit",
				     "limit must be between 1 and %d", RESULTS_MAX_LIMIT), NULL;
	if (jobindex_ready(j, err) < 0)
		return NULL;
	if (text && text_room(&pg, 1) == 0)
		pg.buf[pg.len++] = '"'; /* the string's opening quote */
	else if (text)
		return job_error_set(err, JOB_ERR_INTERNAL, "", "out of memory"), NULL;
	o = cJSON_CreateObject();
	if (!text)
		pg.arr = cJSON_AddArrayToObject(o, "results");
	if ((n = jobresults_page(j, offset, limit, add_row, &pg, &next)) < 0) {
		cJSON_Delete(o);
		free(pg.buf);
		return job_error_set(err, JOB_ERR_INTERNAL, "", "cannot read the results of %s: %s", j->id,
				     strerror((int)-n)), NULL;
	}
	if (text) { /* a JSON string, escaped by text_add (text_room kept room for the end) */
		memcpy(pg.buf + pg.len, "\"", 2);
		cJSON_AddRawToObject(o, "text", pg.buf);
	}
	free(pg.buf);
	if (f == OUT_CSV) {
		char hdr[64];
		snprintf(hdr, sizeof(hdr), "%s", output_csv_header());
		hdr[strcspn(hdr, "\n")] = '\0';
		cJSON_AddStringToObject(o, "header", hdr);
	}
	cJSON_AddNumberToObject(o, "next_offset", (double)next);
	cJSON_AddNumberToObject(o, "count", (double)n);
	cJSON_AddNumberToObject(o, "total_results", (double)j->nresults);
	cJSON_AddBoolToObject(o, "complete", job_state_final(j->state) && next >= j->nresults);
	return o;
}
