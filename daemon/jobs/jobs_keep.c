/* Keeping a resident daemon bounded and current (see jobs.h): finished jobs
 * beyond [daemon] retain_jobs / retain_days are deleted, job.delete removes
 * one now, state_dir's use is measured, and the current blocklist and
 * allow list give each unfinished job the addresses it skips at send time. */
#include "jobs_priv.h"
#include "clock.h"
#include "jobrun.h"
#include "jobstore.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static void job_delete(struct jobs *js, struct job *j, const char *why)
{
	jobs_seq_store(js); /* its id must not come back */
	int r = jobstore_remove(j);
	if (r < 0)
		log_errno(r, "job %s: cannot remove %s", j->id, j->dir);
	else
		log_info("job %s deleted (%s)", j->id, why);
	jobs_unlink(js, j);
	job_free(j);
	js->disk_at = 0; /* measure again */
}

/* The finished job that ended first (of equals, the one submitted first). */
static struct job *first_finished(struct jobs *js)
{
	struct job *first = NULL;
	for (struct job *j = js->head; j; j = j->next)
		if (job_state_final(j->state) && (!first || j->finished_ms < first->finished_ms))
			first = j;
	return first;
}

void jobs_retain(struct jobs *js)
{
	uint64_t now = clock_real_ms(), max_age = (uint64_t)js->env.cfg->retain_days * 86400000ull;
	unsigned finished = 0;
	js->retain_due = false;
	for (const struct job *j = js->head; j; j = j->next)
		finished += job_state_final(j->state);
	/* by when they finished, not when they were submitted: a long job that
	 * ends after many short ones is the newest, never deleted as it ends */
	for (; finished > js->env.cfg->retain_jobs; finished--)
		job_delete(js, first_finished(js), "more than [daemon] retain_jobs finished jobs");
	for (struct job *j = js->head, *next; j && max_age; j = next) {
		next = j->next;
		if (job_state_final(j->state) && j->finished_ms && now > j->finished_ms &&
		    now - j->finished_ms > max_age)
			job_delete(js, j, "finished more than [daemon] retain_days ago");
	}
}

int jobs_delete(struct jobs *js, struct job *j, const struct job_caller *who, struct job_error *err)
{
	if (job_may(j, who, js->env.cfg->share_jobs, "delete it", err) < 0)
		return -EPERM;
	if (!job_state_final(j->state))
		return job_error_set(err, JOB_ERR_CONFLICT, "job_id",
				     "job %s is %s; cancel it first (scanctl cancel %s)", j->id,
				     job_state_name(j->state), j->id);
	job_delete(js, j, "job.delete");
	return 0;
}

bool jobs_disk_low(struct jobs *js, uint64_t *free_b)
{
	struct statvfs sv;
	uint64_t min = (uint64_t)js->env.cfg->min_free_mb << 20;
	*free_b = statvfs(js->env.cfg->state_dir, &sv) == 0 ? (uint64_t)sv.f_bavail * sv.f_frsize : UINT64_MAX;
	js->disk_room = !min ? UINT64_MAX : *free_b > min ? *free_b - min : 0;
	js->disk_written = 0;
	return min && *free_b < min;
}

/* Bytes under dir and one level below (the job directories). */
static uint64_t dir_bytes(const char *dir, int depth)
{
	char path[700];
	struct dirent *de;
	struct stat st;
	uint64_t sum = 0;
	DIR *d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0)
			continue;
		sum += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth > 0)
			sum += dir_bytes(path, depth - 1);
	}
	if (d)
		closedir(d);
	return sum;
}

void jobs_disk(struct jobs *js, uint64_t *used, uint64_t *avail)
{
	char dir[600];
	struct statvfs sv;
	double now = clock_mono_s();
	if (!js->disk_at || now - js->disk_at > 10) { /* a walk at most every 10 s */
		snprintf(dir, sizeof(dir), "%s/jobs", js->env.cfg->state_dir);
		js->disk_used = dir_bytes(dir, 1);
		js->disk_at = now;
	}
	*used = js->disk_used;
	*avail = statvfs(js->env.cfg->state_dir, &sv) == 0 ? (uint64_t)sv.f_bavail * sv.f_frsize : 0;
}

static int ranges_copy(struct range_set *dst, const struct range_set *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (ranges_add(dst, src->r[i].lo, src->r[i].hi) < 0)
			return -ENOMEM;
	ranges_normalize(dst);
	return 0;
}

/* out := the hosts of `hosts` that block lists or that allow (when it has
 * entries) does not: hosts - ((hosts - block) & allow). */
static int family_skip(const struct range_set *hosts, const struct range_set *block,
		       const struct range_set *allow, bool restrict_allow, struct range_set *out)
{
	struct range_set keep, outside;
	int r;
	ranges_init(&keep, hosts->af);
	ranges_init(&outside, hosts->af);
	r = ranges_copy(&keep, hosts);
	if (r == 0)
		r = ranges_subtract(&keep, block);
	if (r == 0 && restrict_allow && (r = ranges_copy(&outside, &keep)) == 0 &&
	    (r = ranges_subtract(&outside, allow)) == 0)
		r = ranges_subtract(&keep, &outside);
	if (r == 0 && (r = ranges_copy(out, hosts)) == 0)
		r = ranges_subtract(out, &keep);
	ranges_free(&keep);
	ranges_free(&outside);
	return r;
}

static bool same_ranges(const struct range_set *a, const struct range_set *b)
{
	return a->n == b->n && (!a->n || !memcmp(a->r, b->r, a->n * sizeof(*a->r)));
}

int job_skip_update(struct jobs *js, struct job *j)
{
	const struct cidr_list *b = js->env.blocklist, *a = js->env.allow;
	bool restrict_allow = a->v4.n || a->v6.n;
	struct cidr_list *skip = calloc(1, sizeof(*skip)), *old;
	int r;
	if (!skip || !j->space_ok)
		return free(skip), skip ? 0 : -ENOMEM;
	cidr_list_init(skip);
	r = family_skip(&j->space.v4, &b->v4, &a->v4, restrict_allow, &skip->v4);
	if (r == 0)
		r = family_skip(&j->space.v6, &b->v6, &a->v6, restrict_allow, &skip->v6);
	if (r < 0 || (!skip->v4.n && !skip->v6.n)) {
		cidr_list_free(skip);
		free(skip);
		skip = NULL;
	}
	if (r < 0)
		return r;
	bool changed = j->skip ? !skip || !same_ranges(&j->skip->v4, &skip->v4) ||
					 !same_ranges(&j->skip->v6, &skip->v6)
			       : skip != NULL;
	if ((old = jobrun_set_skip(j, skip))) {
		cidr_list_free(old);
		free(old);
	}
	return changed && skip;
}
