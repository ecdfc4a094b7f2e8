/* The job manager's list of jobs (see jobs_priv.h): add, unlink, find and
 * free jobs, report their events, keep the job id sequence. The bottom of
 * jobs/: it calls none of the manager's other files. */
#include "jobs_priv.h"
#include "jobindex.h"
#include "jobresults.h"
#include "jobrun.h"
#include "log.h"
#include "statefile.h"

#include <stdlib.h>
#include <string.h>

void job_release(struct job *j)
{
	jobindex_cancel(j);
	jobresults_free(j);
	jobspec_drop_targets(&j->spec);
	if (j->space_ok)
		space_free(&j->space);
	if (j->dedup_ok)
		dedup_free(&j->dedup);
	j->space_ok = j->dedup_ok = false;
	free(j->pending);
	j->pending = NULL;
	j->npending = 0;
	if (j->skip) {
		cidr_list_free(j->skip);
		free(j->skip);
		j->skip = NULL;
	}
}

void job_free(struct job *j)
{
	jobrun_stop(j, true);
	job_release(j);
	jobspec_free(&j->spec);
	free(j);
}

struct job *jobs_find(struct jobs *js, const char *id)
{
	for (struct job *j = js->head; j; j = j->next)
		if (strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

const struct job *jobs_first(const struct jobs *js)
{
	return js->head;
}

void jobs_append(struct jobs *js, struct job *j)
{
	j->next = NULL;
	if (js->tail)
		js->tail->next = j;
	else
		js->head = j;
	js->tail = j;
}

void jobs_unlink(struct jobs *js, struct job *j)
{
	struct job **pp = &js->head, *prev = NULL;
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = j->next;
	if (js->tail == j)
		js->tail = prev;
}

void job_event(struct jobs *js, const struct job *j, enum job_event ev)
{
	if (js->env.on_event)
		js->env.on_event(js->env.ctx, j, ev);
}

/* Job ids never repeat, also after every job was deleted: the directories
 * carry the sequence numbers, and before one is deleted the next number is
 * kept in state_dir/jobs/next_seq (not at every submit: fewer fsyncs). */
void jobs_seq_store(struct jobs *js)
{
	char path[600], text[32];
	snprintf(path, sizeof(path), "%s/jobs/next_seq", js->env.cfg->state_dir);
	snprintf(text, sizeof(text), "%u\n", js->seq);
	if (statefile_write(path, text, strlen(text)) < 0)
		log_warn("cannot write %s", path);
}

void jobs_seq_load(struct jobs *js)
{
	char path[600], *text;
	snprintf(path, sizeof(path), "%s/jobs/next_seq", js->env.cfg->state_dir);
	if (statefile_read(path, 64, &text, NULL) == 0) {
		unsigned long v = strtoul(text, NULL, 10);
		if (v > js->seq && v < 1000000000)
			js->seq = (unsigned)v;
		free(text);
	}
}
