/* scanctl results --follow (see follow.h). */
#include "follow.h"
#include "progress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOLLOW_LIMIT 10000 /* rows per batch */

/* Subscribes from offset; 0, 1 for an error reply (printed), or -errno. */
static int subscribe(struct client *c, const char *job, double offset, bool csv)
{
	cJSON *p = cJSON_CreateObject(), *reply;
	cJSON_AddStringToObject(p, "job_id", job);
	cJSON_AddTrueToObject(p, "results");
	cJSON_AddNumberToObject(p, "offset", offset);
	cJSON_AddNumberToObject(p, "limit", FOLLOW_LIMIT);
	cJSON_AddTrueToObject(p, "text");
	cJSON_AddStringToObject(p, "format", csv ? "csv" : "ndjson");
	int r = client_request(c, "events.subscribe", p, &reply);
	if (r < 0)
		return r;
	if (!cJSON_GetObjectItemCaseSensitive(reply, "result")) {
		client_print_error(reply);
		r = 1;
	}
	cJSON_Delete(reply);
	return r;
}

/* Prints one job.results batch that starts at *offset (a CSV header before
 * the first row); true when it was the last one. */
static bool print_batch(const cJSON *params, double *offset, FILE *out)
{
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(params, "text"));
	const char *header = cJSON_GetStringValue(cJSON_GetObjectItem(params, "header"));
	if (cJSON_GetNumberValue(cJSON_GetObjectItem(params, "offset")) != *offset)
		return false; /* not where we are (cannot happen on one connection) */
	if (header && *offset == 0)
		fprintf(out, "%s\n", header);
	if (text)
		fputs(text, out);
	fflush(out);
	*offset = cJSON_GetNumberValue(cJSON_GetObjectItem(params, "next_offset"));
	return cJSON_IsTrue(cJSON_GetObjectItem(params, "complete"));
}

/* Reads notifications until the last batch (1) or a lost connection (-errno). */
static int stream(struct client *c, double *offset, FILE *out)
{
	cJSON *m;
	int r;
	while ((r = client_read_msg(c, &m)) == 0 || r == -EBADMSG) {
		const cJSON *meth = cJSON_GetObjectItemCaseSensitive(m, "method");
		bool last = cJSON_IsString(meth) && !strcmp(meth->valuestring, "job.results") &&
			    print_batch(cJSON_GetObjectItem(m, "params"), offset, out);
		cJSON_Delete(m);
		if (last)
			return 1;
	}
	client_close(c);
	return r;
}

static int final_status(struct client *c, const char *job)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "job_id", job);
	cJSON *st = client_call(c, "job.status", p);
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(st, "state"));
	int code = s && !strcmp(s, "done") ? 0 : EXIT_DAEMON_ERROR;
	if (code)
		fprintf(stderr, "scanctl: job %s %s\n", job, s ? s : "?");
	cJSON_Delete(st);
	return code;
}

int follow_stream(struct client *c, const char *job, FILE *out, bool csv, double retry_s)
{
	double offset = 0, lost_at = 0;
	for (;;) {
		int r = subscribe(c, job, offset, csv);
		if (r == 1)
			return EXIT_DAEMON_ERROR;
		if (r == 0) {
			lost_at = 0;
			if ((r = stream(c, &offset, out)) == 1)
				return 0;
		}
		if (!lost_at) {
			lost_at = progress_now();
		} else if (progress_now() - lost_at > retry_s) {
			fprintf(stderr, "scanctl: cannot reach scand at %s for %.0f s (%s) after %.0f rows\n",
				c->path, retry_s, strerror(-r), offset);
			return EXIT_UNREACHABLE;
		}
		usleep(300000);
	}
}

int follow_results(struct client *c, const char *job, FILE *out, double retry_s)
{
	int r = follow_stream(c, job, out, false, retry_s);
	return r ? r : final_status(c, job);
}
