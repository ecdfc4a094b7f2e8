/* New and reloaded jobs (see jobs.h): job.submit, and state_dir/jobs/ after
 * a restart. A stored job is loaded under the current config without ever
 * rewriting its files: corrupt files fail it in memory only, a job the
 * config forbids now waits as held, a finished one keeps only its summary. */
#include "jobs_priv.h"
#include "clock.h"
#include "jobnet.h"
#include "jobindex.h"
#include "jobstore.h"
#include "log.h"
#include "shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Shard slice and, for a new job, its pending range, key and dedup. */
static int job_prepare(struct jobs *js, struct job *j, bool fresh)
{
	struct slice s = shard_slice(j->space.total, j->spec.shard_index, j->spec.shard_count, 0, 1);
	j->total = s.end - s.begin;
	if (fresh) {
		if (!(j->pending = calloc(1, sizeof(*j->pending))))
			return -ENOMEM;
		j->pending[0] = (struct pos_range){ s.begin, s.end };
		j->npending = j->total ? 1 : 0;
		if (getrandom(j->key, sizeof(j->key), 0) != sizeof(j->key))
			return -EIO;
	}
	int r = dedup_init(&j->dedup, j->space.total, js->env.cfg->dedup_bitmap_max,
			   DEDUP_DEFAULT_WINDOW);
	j->dedup_ok = r == 0;
	return r;
}

/* [daemon] min_free_mb: a new job needs room for its results. */
static int check_disk(struct jobs *js, struct job_error *err)
{
	uint64_t free_b;
	if (!jobs_disk_low(js, &free_b))
		return 0;
	return job_error_set(err, JOB_ERR_LIMIT, "",
			     "only %llu MB free under %s ([daemon] min_free_mb = %u); delete finished jobs (scanctl delete JOB) or free space",
			     (unsigned long long)(free_b >> 20), js->env.cfg->state_dir,
			     js->env.cfg->min_free_mb);
}

static int job_build(struct jobs *js, struct job *j, const cJSON *params, struct job_error *err)
{
	const struct config *cfg = js->env.cfg;
	int r = jobspec_from_json(params, cfg, &j->spec, err);
	if (r == 0 && (r = jobspec_build_space(&j->spec, cfg, js->env.blocklist, js->env.allow,
					       &j->space, err)) == 0)
		j->space_ok = true;
	if (r == 0)
		r = jobnet_check(j, js->env.nics, cfg, err);
	if (r == 0 && job_prepare(js, j, true) < 0)
		r = job_error_set(err, JOB_ERR_INTERNAL, "", "out of memory preparing the job");
	return r;
}

/* [daemon] max_jobs_per_uid: one submitter cannot fill the queue alone;
 * root and scand's user (who could change the config) are not counted. */
static int check_uid_cap(const struct jobs *js, const struct job_caller *who, struct job_error *err)
{
	unsigned max = js->env.cfg->max_jobs_per_uid, n = 0;
	if (!max || who->trusted)
		return 0;
	for (const struct job *j = js->head; j; j = j->next)
		n += j->owner == who->uid && !job_state_final(j->state);
	if (n < max)
		return 0;
	return job_error_set(err, JOB_ERR_LIMIT, "",
			     "uid %u has %u unfinished jobs (queued, held, running or cooling down; [daemon] max_jobs_per_uid = %u); wait for one to finish or cancel one",
			     (unsigned)who->uid, n, max);
}

int jobs_submit(struct jobs *js, const cJSON *params, const struct job_caller *who, char *id,
		struct job_error *err)
{
	const struct config *cfg = js->env.cfg;
	struct job *j;
	uint16_t rnd;
	int r;

	if (js->nqueued >= cfg->max_queued_jobs)
		return job_error_set(err, JOB_ERR_LIMIT, "",
				     "job queue is full (%u queued, [daemon] max_queued_jobs); wait for jobs to finish or cancel some",
				     js->nqueued);
	if ((r = check_uid_cap(js, who, err)) < 0 || (r = check_disk(js, err)) < 0)
		return r;
	if (!(j = calloc(1, sizeof(*j))))
		return job_error_set(err, JOB_ERR_INTERNAL, "", "out of memory");
	j->results_fd = -1;
	j->owner = who->uid;
	r = job_build(js, j, params, err);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint16_t)clock_real_ms(); /* only makes ids unlikely to repeat */
	snprintf(j->id, sizeof(j->id), "j%06u-%04x", js->seq, rnd);
	j->submitted_ms = clock_real_ms();
	if (r == 0 && (r = jobstore_create(j, cfg->state_dir)) < 0)
		r = job_error_set(err, JOB_ERR_INTERNAL, "",
				  "cannot store the job under %s/jobs: %s; check [daemon] state_dir and free space",
				  cfg->state_dir, strerror(-r));
	if (r < 0) {
		if (j->dir[0])
			jobstore_remove(j);
		job_free(j);
		return r;
	}
	js->seq++;
	jobs_append(js, j);
	js->nqueued++;
	snprintf(id, 32, "%s", j->id);
	job_skip_update(js, j); /* empty for a new job; kept current by reloads */
	log_info("job %s queued for uid %u: %llu probes (%s), seed %llu, shard %u/%u", j->id,
		 (unsigned)j->owner, (unsigned long long)j->total, j->spec.name[0] ? j->spec.name : "unnamed",
		 (unsigned long long)j->spec.seed, j->spec.shard_index, j->spec.shard_count);
	job_event(js, j, JOB_EVENT_STATE);
	jobs_schedule(js);
	return 0;
}

/* An unfinished job: its space as stored, today's blocklist applied at send
 * time, and its dedup filter and row index rebuilt from its results by a
 * thread (jobindex.c): it waits in the queue until that is done. */
static int load_unfinished(struct jobs *js, struct job *j)
{
	int r;
	if ((r = jobstore_load_space(j, js->env.cfg, js->env.blocklist, js->env.allow)) < 0)
		return r;
	if ((r = job_prepare(js, j, false)) < 0)
		return snprintf(j->error, sizeof(j->error), "no memory for the job's dedup filter"), r;
	if ((r = jobindex_start(j, true)) < 0)
		return snprintf(j->error, sizeof(j->error), "%s/results.ndjson: %s", j->dir,
				strerror(-r)), r;
	return job_skip_update(js, j) < 0 ? -ENOMEM : 0;
}

static void job_load_one(struct jobs *js, const char *name)
{
	struct job *j = calloc(1, sizeof(*j));
	unsigned seq;
	if (!j)
		return;
	j->owner = JOB_OWNER_UNKNOWN; /* until checkpoint.json says */
	if (sscanf(name, "j%u-", &seq) == 1 && seq >= js->seq)
		js->seq = seq + 1;
	int r = jobstore_load(j, js->env.cfg->state_dir, name, js->env.cfg);
	if (r == 0 && !job_state_final(j->state))
		r = load_unfinished(js, j);
	jobs_append(js, j);
	if (r < 0) { /* in memory only: the files stay as they are, for repair */
		log_error("job %s cannot be resumed: %s", name, j->error);
		job_release(j);
		j->state = JOB_FAILED;
		if (!j->finished_ms)
			j->finished_ms = clock_real_ms();
		return;
	}
	if (job_state_final(j->state))
		return job_release(j); /* the summary from checkpoint.json */
	j->state = JOB_QUEUED;
	js->nqueued++;
	if (j->npending == 0)
		return job_finish(js, j, JOB_DONE, NULL);
	log_info("job %s resumes: %llu of %llu probes sent", j->id,
		 (unsigned long long)j->sent_base, (unsigned long long)j->total);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jobs_load(struct jobs *js)
{
	char path[600], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/jobs", js->env.cfg->state_dir);
	if (!(dir = opendir(path)))
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] != 'j' || strlen(de->d_name) >= 32)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), id_cmp);
	for (size_t i = 0; i < n; i++) {
		if (names[i])
			job_load_one(js, names[i]);
		free(names[i]);
	}
	free(names);
	jobs_seq_load(js);
	jobs_retain(js);
	jobs_schedule(js);
	return (int)n;
}

