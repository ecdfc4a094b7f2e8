/* Waiting for a job and fetching its results (see jobwait.h). */
#include "jobwait.h"
#include "cli.h"
#include "follow.h"
#include "progress.h"

#include <errno.h>
#include <unistd.h>

/* The job's next status: from its job.progress notification, or read again
 * after a job.state notification (the job changed state) or 2 s of silence. */
static cJSON *next_status(struct client *c, const char *id)
{
	cJSON *m = NULL, *st = NULL;
	int r = client_read_msg_within(c, &m, 2000);
	const char *meth = r == 0 ? cJSON_GetStringValue(cJSON_GetObjectItem(m, "method")) : NULL;
	const cJSON *params = cJSON_GetObjectItem(m, "params");
	if (meth && !strcmp(meth, "job.progress") && !strcmp(str(params, "job_id"), id)) {
		st = cJSON_Duplicate(params, true);
	} else if (r == 0 && !(meth && !strcmp(meth, "job.state"))) {
		st = NULL; /* another job's or a stray line: keep waiting */
	} else {
		bool lost = r < 0 && r != -ETIMEDOUT && r != -EBADMSG;
		if (lost) /* scand restarted: a new connection, subscribed again */
			client_close(c);
		st = client_call(c, "job.status", job_param(id));
		if (lost)
			cJSON_Delete(client_call(c, "events.subscribe", job_param(id)));
	}
	cJSON_Delete(m);
	return st;
}

/* Waits for the job to end, woken by its notifications (no polling delay):
 * subscribed first, then one job.status read closes the race with an end
 * that came before. Draws progress on stderr; returns the final status. */
cJSON *wait_job(struct client *c, const char *id)
{
	bool tty = isatty(2);
	double last_line = 0;
	cJSON_Delete(client_call(c, "events.subscribe", job_param(id)));
	cJSON *st = client_call(c, "job.status", job_param(id));
	for (;;) {
		bool fin = final_state(str(st, "state"));
		if (tty) {
			progress_draw(st, true);
		} else if (fin || progress_now() - last_line >= 2) {
			progress_draw(st, false);
			last_line = progress_now();
		}
		if (fin) {
			if (tty)
				fputc('\n', stderr);
			return st;
		}
		cJSON *next;
		while (!(next = next_status(c, id)))
			;
		cJSON_Delete(st);
		st = next;
	}
}

/* Pages through a job's rows with job.results, each page one string of
 * lines ("text"), written out as it is, up to the last row there is now. */
static void page_results(struct client *c, const char *id, FILE *f, bool csv)
{
	double off = 0;
	for (bool first = true;; first = false) {
		cJSON *p = job_param(id), *r;
		cJSON_AddNumberToObject(p, "offset", off);
		cJSON_AddNumberToObject(p, "limit", 10000);
		cJSON_AddStringToObject(p, "format", csv ? "csv" : "ndjson");
		cJSON_AddTrueToObject(p, "text");
		r = client_call(c, "job.results", p);
		if (csv && first)
			fprintf(f, "%s\n", str(r, "header"));
		fputs(str(r, "text"), f);
		/* a finished job's last page says complete: no empty page after it;
		 * a page that does not move on (a running job with no new row) ends too */
		bool last = num(r, "next_offset") == off ||
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "complete"));
		off = num(r, "next_offset");
		cJSON_Delete(r);
		if (last)
			break;
	}
}

/* Writes every result of a job: a finished one as a result stream (scand
 * builds the next batch while this one is written), a running one page by
 * page up to its last row now. */
int write_results(struct client *c, const char *id, const char *path, bool csv)
{
	FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
	int r = 0;
	if (!f) {
		perror(path);
		return EXIT_USAGE;
	}
	cJSON *st = client_call(c, "job.status", job_param(id));
	if (final_state(str(st, "state")))
		r = follow_stream(c, id, f, csv, 60);
	else
		page_results(c, id, f, csv);
	cJSON_Delete(st);
	if (f != stdout)
		fclose(f);
	return r;
}

int follow_file(struct client *c, const char *id, const char *path)
{
	FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		perror(path);
		return EXIT_USAGE;
	}
	int r = follow_results(c, id, f, 60);
	if (f != stdout)
		fclose(f);
	return r;
}

