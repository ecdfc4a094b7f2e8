/* Streamed results (see results_stream.h): per-connection stream state kept
 * as the control client's data; batches built by jobview's job.results page. */
#include "results_stream.h"
#include "control.h"
#include "jobview.h"
#include "jsonrpc.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct stream {
	char job_id[32];
	uint64_t offset; /* next row to send */
	unsigned limit;
	enum out_format f;
	bool text;	 /* rows as one string of lines (job.results "text") */
	bool done;	 /* the last batch went out */
};

int results_stream_start(struct control_client *c, const struct job *j, uint64_t offset,
			 uint64_t limit, enum out_format f, bool text, struct job_error *err)
{
	struct stream *s;
	/* while a resumed job's rows are being indexed its count is the
	 * checkpoint's, older than the file: the offset is checked by the pages */
	if (!j->index_build && offset > j->nresults)
		return job_error_set(err, JOB_ERR_INVALID, "offset",
				     "offset %llu is past the %llu result rows of %s; resume from the next_offset of the last batch you received",
				     (unsigned long long)offset, (unsigned long long)j->nresults, j->id);
	if (limit < 1 || limit > STREAM_MAX_LIMIT)
		return job_error_set(err, JOB_ERR_INVALID, "limit",
				     "limit must be between 1 and %d rows per batch", STREAM_MAX_LIMIT);
	if (!c) /* no connection to stream to (unit tests, fuzzer) */
		return 0;
	if (!(s = calloc(1, sizeof(*s))))
		return job_error_set(err, JOB_ERR_INTERNAL, "", "out of memory");
	snprintf(s->job_id, sizeof(s->job_id), "%s", j->id);
	s->offset = offset;
	s->limit = (unsigned)limit;
	s->text = text;
	s->f = f;
	control_client_set_data(c, s, free);
	return 0;
}

static void send_batch(struct control_client *c, struct stream *s, cJSON *params)
{
	bool complete = cJSON_IsTrue(cJSON_GetObjectItem(params, "complete"));
	cJSON *n = jsonrpc_notification("job.results", params);
	char *line = cJSON_PrintBuffered(n, 1 << 16, 0);
	if (line)
		control_client_send(c, line);
	free(line);
	cJSON_Delete(n);
	s->done = complete;
}

/* The job is gone (deleted): a last batch that says so. */
static void stream_lost(struct control_client *c, struct stream *s)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "job_id", s->job_id);
	cJSON_AddNumberToObject(p, "offset", (double)s->offset);
	cJSON_AddNumberToObject(p, "next_offset", (double)s->offset);
	cJSON_AddArrayToObject(p, "results");
	cJSON_AddNumberToObject(p, "count", 0);
	cJSON_AddBoolToObject(p, "complete", true);
	cJSON_AddStringToObject(p, "error", "the job no longer exists");
	send_batch(c, s, p);
}

static void stream_tick(struct control_client *c, void *arg)
{
	struct daemon *d = arg;
	struct stream *s = control_client_data(c);
	struct job_error err = { 0 };
	struct job *j;
	cJSON *p;
	if (!s || s->done || control_client_pending(c) > STREAM_MAX_PENDING)
		return;
	if (!(j = jobs_find(d->jobs, s->job_id))) {
		stream_lost(c, s);
		return;
	}
	if (s->offset >= j->nresults && !job_state_final(j->state))
		return; /* nothing new yet */
	if (!(p = job_results_json(j, s->offset, s->limit, s->f, s->text, &err))) {
		if (!err.retry_ms) /* a row index being rebuilt: the next tick asks again */
			log_warn("job %s: result stream at row %llu: %s", j->id, (unsigned long long)s->offset,
				 err.message);
		return;
	}
	if (cJSON_GetNumberValue(cJSON_GetObjectItem(p, "count")) == 0 &&
	    !cJSON_IsTrue(cJSON_GetObjectItem(p, "complete"))) {
		cJSON_Delete(p); /* a row that cannot be read now: try again next tick */
		return;
	}
	cJSON_AddStringToObject(p, "job_id", j->id);
	cJSON_AddNumberToObject(p, "offset", (double)s->offset);
	s->offset = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "next_offset"));
	send_batch(c, s, p);
}

void results_stream_drained(void *ctx, struct control_client *c)
{
	stream_tick(c, ctx);
}

void results_stream_tick(struct daemon *d)
{
	if (d->ctl)
		control_foreach(d->ctl, stream_tick, d);
	if (d->ro_ctl)
		control_foreach(d->ro_ctl, stream_tick, d);
}
