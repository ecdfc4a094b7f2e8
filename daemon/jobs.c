/* Job manager (see jobs.h): the queue and state machine. Runs live in
 * jobrun.c, persistence in jobstore.c. */
#include "jobs.h"
#include "clock.h"
#include "jobnet.h"
#include "jobrun.h"
#include "jobview.h"
#include "jobstore.h"
#include "log.h"
#include "scan/shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct jobs {
	struct jobs_env env;
	struct job *head, *tail;
	unsigned seq, nrunning, nqueued;
	bool stopping; /* jobs_shutdown() ran: start nothing */
};

struct jobs *jobs_new(const struct jobs_env *env)
{
	struct jobs *js = calloc(1, sizeof(*js));
	if (js) {
		js->env = *env;
		js->seq = 1;
	}
	return js;
}

static void job_free(struct job *j)
{
	jobrun_stop(j, true);
	jobstore_close(j);
	jobspec_free(&j->spec);
	if (j->space_ok)
		space_free(&j->space);
	if (j->dedup_ok)
		dedup_free(&j->dedup);
	free(j->offsets);
	free(j->wbuf);
	free(j->pending);
	free(j);
}

void jobs_free(struct jobs *js)
{
	if (!js)
		return;
	for (struct job *j = js->head, *next; j; j = next) {
		next = j->next;
		job_free(j);
	}
	free(js);
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

static void jobs_append(struct jobs *js, struct job *j)
{
	if (js->tail)
		js->tail->next = j;
	else
		js->head = j;
	js->tail = j;
}

static void job_event(struct jobs *js, const struct job *j, enum job_event ev)
{
	if (js->env.on_event)
		js->env.on_event(js->env.ctx, j, ev);
}

static void job_persist(struct jobs *js, struct job *j);

static void job_finish(struct jobs *js, struct job *j, enum job_state st, const char *why)
{
	if (j->run) {
		j->tx_rate = jobrun_tx_rate(j);
		jobrun_stop(j, false);
		jobnet_release(j, js->env.ports);
		js->nrunning--;
	} else if (j->state == JOB_QUEUED) {
		js->nqueued--;
	}
	j->state = st;
	if (why)
		snprintf(j->error, sizeof(j->error), "%s", why);
	j->finished_ms = clock_real_ms();
	free(j->pending);
	j->pending = NULL;
	j->npending = 0;
	job_persist(js, j);
	jobstore_close(j);
	jobnet_filters(js->env.nics, js->head);
	job_event(js, j, JOB_EVENT_STATE);
	log_info("job %s %s: sent %llu of %llu, %llu open, %llu closed%s%s", j->id,
		 job_state_name(st), (unsigned long long)job_sent(j), (unsigned long long)j->total,
		 (unsigned long long)j->open, (unsigned long long)j->closed, j->error[0] ? ": " : "",
		 j->error);
}

/* Writes the checkpoint; a job whose state cannot be stored fails. */
static void job_persist(struct jobs *js, struct job *j)
{
	struct job_resume rp;
	struct pos_range *buf;
	int r = jobrun_resume_point(j, &rp, &buf);
	if (r == 0)
		r = jobstore_checkpoint(j, &rp);
	free(buf);
	if (r == 0)
		return;
	log_errno(r, "job %s: cannot write state under %s", j->id, j->dir);
	if (!job_state_final(j->state)) {
		char why[600];
		snprintf(why, sizeof(why), "cannot write job state under %s: %s; free space in state_dir",
			 j->dir, strerror(-r));
		job_finish(js, j, JOB_FAILED, why);
	}
}

/* The job's NICs, in its spec's order. */
static int job_nics(struct jobs *js, const struct job *j, struct nic **nics, struct errbuf *err)
{
	for (unsigned i = 0; i < j->spec.nnics; i++)
		if (!(nics[i] = nics_find(js->env.nics, j->spec.nics[i])))
			return errbuf_set(err, -ENODEV, "NIC %s is no longer configured",
					  j->spec.nics[i]);
	return 0;
}

static void job_start(struct jobs *js, struct job *j)
{
	struct nic *nics[CONFIG_MAX_NICS];
	struct errbuf e = { { 0 } };
	int r;

	js->nqueued--;
	j->state = JOB_RUNNING; /* filters first, so no early reply is missed */
	jobnet_filters(js->env.nics, js->head);
	r = job_nics(js, j, nics, &e);
	if (r == 0) /* before the first probe: the host must not pick these ports */
		r = jobnet_reserve(j, js->env.nics, js->env.ports, &e);
	if (r == 0 && (r = jobrun_start(j, nics, j->spec.nnics, &e)) < 0)
		jobnet_release(j, js->env.ports);
	if (r < 0) {
		j->state = JOB_QUEUED;
		js->nqueued++;
		job_finish(js, j, JOB_FAILED, e.msg);
		return;
	}
	js->nrunning++;
	ratectl_init(&j->rc, j->spec.rate_pps, js->env.cfg->aimd_increase_pps, js->env.cfg->aimd_decrease);
	j->last_replies = j->replies;
	if (!j->started_ms)
		j->started_ms = clock_real_ms();
	j->progress_ms = clock_real_ms();
	log_info("job %s running: %llu probes at %llu pps on %u queue(s)", j->id,
		 (unsigned long long)(j->total - j->sent_base), (unsigned long long)j->spec.rate_pps,
		 j->run->nparts);
	job_persist(js, j);
	job_event(js, j, JOB_EVENT_STATE);
}

static void jobs_schedule(struct jobs *js)
{
	unsigned max = MIN(js->env.cfg->max_running_jobs, (unsigned)WORKER_MAX_SLOTS);
	for (struct job *j = js->head; j && !js->stopping; j = j->next)
		if (j->state == JOB_QUEUED && js->nrunning < max)
			job_start(js, j);
}

/* Shard slice, key, dedup: what a new or reloaded job needs besides its spec. */
static int job_prepare(struct jobs *js, struct job *j, bool fresh)
{
	if (!j->space_ok || !j->spec.shard_count) /* a job whose spec could not be read */
		return j->total = 0, 0;
	struct slice s = shard_slice(j->space.total, j->spec.shard_index, j->spec.shard_count, 0, 1);
	j->total = s.end - s.begin;
	if (!fresh)
		return 0;
	j->pending = calloc(1, sizeof(*j->pending));
	if (!j->pending)
		return -ENOMEM;
	j->pending[0] = (struct pos_range){ s.begin, s.end };
	j->npending = j->total ? 1 : 0;
	if (getrandom(j->key, sizeof(j->key), 0) != sizeof(j->key))
		return -EIO;
	int r = dedup_init(&j->dedup, j->space.total, js->env.cfg->dedup_bitmap_max,
			   DEDUP_DEFAULT_WINDOW);
	j->dedup_ok = r == 0;
	return r;
}

int jobs_submit(struct jobs *js, const cJSON *params, char *id, struct rpc_error *err)
{
	const struct config *cfg = js->env.cfg;
	struct job *j;
	uint16_t rnd;
	int r;

	if (js->nqueued >= cfg->max_queued_jobs)
		return rpc_error_set(err, RPC_BUSY, "",
				     "job queue is full (%u queued, [daemon] max_queued_jobs); wait for jobs to finish or cancel some",
				     js->nqueued);
	if (!(j = calloc(1, sizeof(*j))))
		return rpc_error_set(err, RPC_INTERNAL, "", "out of memory");
	j->results_fd = -1;
	r = jobspec_from_json(params, cfg, &j->spec, err);
	if (r == 0 && (r = jobspec_build_space(&j->spec, cfg, js->env.blocklist, js->env.allow,
					       &j->space, err)) == 0)
		j->space_ok = true;
	if (r == 0)
		r = jobnet_check(j, js->env.nics, cfg, err);
	if (r == 0 && job_prepare(js, j, true) < 0)
		r = rpc_error_set(err, RPC_INTERNAL, "", "out of memory preparing the job");
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint16_t)clock_real_ms(); /* only makes ids unlikely to repeat */
	snprintf(j->id, sizeof(j->id), "j%06u-%04x", js->seq, rnd);
	j->submitted_ms = clock_real_ms();
	if (r == 0 && (r = jobstore_create(j, cfg->state_dir)) < 0)
		r = rpc_error_set(err, RPC_INTERNAL, "",
				  "cannot store the job under %s/jobs: %s; check [daemon] state_dir and free space",
				  cfg->state_dir, strerror(-r));
	if (r < 0) {
		job_free(j);
		return r;
	}
	js->seq++;
	jobs_append(js, j);
	js->nqueued++;
	snprintf(id, 32, "%s", j->id);
	log_info("job %s queued: %llu probes (%s), seed %llu, shard %u/%u", j->id,
		 (unsigned long long)j->total, j->spec.name[0] ? j->spec.name : "unnamed",
		 (unsigned long long)j->spec.seed, j->spec.shard_index, j->spec.shard_count);
	job_event(js, j, JOB_EVENT_STATE);
	jobs_schedule(js);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void job_load_one(struct jobs *js, const char *name)
{
	struct job *j = calloc(1, sizeof(*j));
	unsigned seq;
	if (!j)
		return;
	if (jobstore_load(j, js->env.cfg->state_dir, name, js->env.cfg, js->env.blocklist,
			  js->env.allow) < 0) {
		log_error("job %s cannot be resumed: %s", name, j->error);
		j->state = JOB_FAILED;
	}
	job_prepare(js, j, false);
	if (sscanf(name, "j%u-", &seq) == 1 && seq >= js->seq)
		js->seq = seq + 1;
	jobs_append(js, j);
	if (job_state_final(j->state)) {
		if (j->results_fd >= 0)
			jobstore_close(j);
		if (j->state == JOB_FAILED && !j->finished_ms)
			job_persist(js, j);
		return;
	}
	j->state = JOB_QUEUED;
	js->nqueued++;
	if (j->npending == 0) {
		job_finish(js, j, JOB_DONE, NULL);
		return;
	}
	log_info("job %s resumes: %llu of %llu probes sent", j->id,
		 (unsigned long long)j->sent_base, (unsigned long long)j->total);
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
	jobs_schedule(js);
	return (int)n;
}

void jobs_drain(struct jobs *js)
{
	double now = clock_mono_s();
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->run)
			continue;
		int r = jobrun_drain(j);
		if (r < 0) {
			char why[700];
			snprintf(why, sizeof(why),
				 "writing results under %s failed: %s; free space in state_dir", j->dir,
				 strerror(-r));
			job_finish(js, j, JOB_FAILED, why);
			continue;
		}
		if (j->state == JOB_RUNNING && jobrun_tx_done(j)) {
			j->tx_rate = jobrun_tx_rate(j);
			j->state = JOB_COOLDOWN;
			j->cooldown_until = now + j->spec.cooldown_s;
			atomic_store(&j->run->phase, RUN_RX_ONLY);
			job_event(js, j, JOB_EVENT_STATE);
		}
		if (j->state == JOB_COOLDOWN && now >= j->cooldown_until) /* a lost NIC fails it */
			job_finish(js, j, j->error[0] ? JOB_FAILED : JOB_DONE, NULL);
	}
	jobs_schedule(js);
}

/* Evidence for the job's AIMD controller: allowance counters of its NICs,
 * its send and reply rates, the busiest of its workers. */
static void job_ratectl(struct jobs *js, struct job *j, double reply_pps)
{
	struct ratectl_sample s = { .sent_pps = j->pps, .reply_pps = reply_pps };
	const char *why = "";
	if (!j->spec.adaptive)
		return;
	for (unsigned i = 0; i < j->spec.nnics; i++) {
		const struct nic *n = nics_find(js->env.nics, j->spec.nics[i]);
		if (!n)
			continue;
		const struct nic_stats *ns = telemetry_nic(js->env.tel, n);
		s.allowance_exceeded += ns->ena.delta[ENA_PPS_EXCEEDED] + ns->ena.delta[ENA_BW_IN_EXCEEDED] +
					ns->ena.delta[ENA_BW_OUT_EXCEEDED];
		s.cpu_busy = MAX(s.cpu_busy, ns->busy_max);
		s.tx_ring_full += ns->tx_full_delta;
	}
	enum pressure before = j->rc.pressure;
	if (ratectl_step(&j->rc, &s, &why)) {
		jobrun_set_rate(j, j->rc.rate);
		log_info("job %s: rate %llu pps (%s)", j->id, (unsigned long long)j->rc.rate, why);
	} else if (j->rc.pressure != before) {
		log_info("job %s: pressure %s%s%s", j->id, pressure_name(j->rc.pressure),
			 j->rc.pressure ? ": " : "", j->rc.pressure ? why : "");
	}
}

/* A running job's rates over the last tick: probes sent and given up by the
 * pacing (j->pps, j->behind_pps); returns the replies per second. */
static double job_tick_rates(struct job *j, double now)
{
	double dt = now - j->last_tick, reply_pps = 0;
	uint64_t sent = job_sent(j), behind = job_behind(j);
	if (sent != j->last_sent || j->replies != j->last_replies)
		j->progress_ms = clock_real_ms();
	if (dt > 0) {
		j->pps = (double)(sent - j->last_sent) / dt;
		j->behind_pps = (double)(behind - j->last_behind) / dt;
		reply_pps = (double)(j->replies - j->last_replies) / dt;
	}
	j->last_sent = sent;
	j->last_behind = behind;
	j->last_replies = j->replies;
	j->last_tick = now;
	return reply_pps;
}

void jobs_tick(struct jobs *js)
{
	double now = clock_mono_s();
	for (struct job *j = js->head, *next; j; j = next) {
		next = j->next;
		if (!j->run)
			continue;
		double reply_pps = job_tick_rates(j, now);
		if (j->state == JOB_RUNNING) {
			j->tx_rate = jobrun_tx_rate(j);
			job_ratectl(js, j, reply_pps);
		}
		job_persist(js, j); /* writes the snapshot taken one tick ago */
		if (j->run)
			jobrun_snapshot(j);
		job_event(js, j, JOB_EVENT_PROGRESS);
	}
}

void jobs_shutdown(struct jobs *js)
{
	js->stopping = true;
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->run)
			continue;
		jobrun_stop(j, true);
		jobnet_release(j, js->env.ports);
		js->nrunning--;
		j->state = JOB_RUNNING;
		if (jobstore_checkpoint(j, &(struct job_resume){ j->pending, j->npending, j->sent_base }) < 0)
			log_error("job %s: final checkpoint failed; it resumes from the previous one",
				  j->id);
		log_info("job %s checkpointed at %llu of %llu; resumes at next start", j->id,
			 (unsigned long long)j->sent_base, (unsigned long long)j->total);
	}
}

void jobs_nic_lost(struct jobs *js, const struct nic *n, const char *why)
{
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->run || !jobrun_nic_lost(j, n->conf.name))
			continue;
		snprintf(j->error, sizeof(j->error), "%s; the job's part on %s stopped, the other NICs finish",
			 why, n->conf.name);
		log_error("job %s: %s", j->id, j->error);
		job_event(js, j, JOB_EVENT_STATE);
	}
}

int jobs_cancel(struct jobs *js, struct job *j)
{
	if (!job_state_final(j->state))
		job_finish(js, j, JOB_CANCELLED, NULL);
	return 0;
}

int jobs_set_rate(struct jobs *js, struct job *j, uint64_t pps, struct rpc_error *err)
{
	uint64_t max = js->env.cfg->max_pps;
	if (pps < 1 || pps > 1000000000ull)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "rate_pps",
				     "rate_pps must be between 1 and 1000000000");
	if (max && pps > max)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "rate_pps",
				     "rate_pps %llu exceeds [rate] max_pps = %llu",
				     (unsigned long long)pps, (unsigned long long)max);
	if (job_state_final(j->state))
		return rpc_error_set(err, RPC_INVALID_PARAMS, "job_id",
				     "job %s is %s; the rate applies to queued or running jobs", j->id,
				     job_state_name(j->state));
	j->spec.rate_pps = pps;
	ratectl_set_ceiling(&j->rc, pps);
	jobrun_set_rate(j, pps);
	jobstore_save_spec(j);
	log_info("job %s: rate set to %llu pps", j->id, (unsigned long long)pps);
	return 0;
}

void jobs_counts(const struct jobs *js, unsigned *running, unsigned *queued)
{
	*running = js->nrunning;
	*queued = js->nqueued;
}

uint64_t jobs_nic_rate(const struct jobs *js, const struct nic *n)
{
	uint64_t s = 0;
	for (const struct job *j = js->head; j; j = j->next)
		if (j->state == JOB_RUNNING)
			s += jobrun_nic_rate(j, n->conf.name);
	return s;
}

cJSON *jobs_list_json(struct jobs *js, const char *state, struct rpc_error *err)
{
	enum job_state st = JOB_QUEUED;
	cJSON *o, *arr;
	if (state && job_state_parse(state, &st) < 0)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "state",
				     "unknown state \"%.32s\"; use queued, running, cooldown, done, failed or cancelled",
				     state), NULL;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "jobs");
	for (struct job *j = js->head; j; j = j->next)
		if (!state || j->state == st)
			cJSON_AddItemToArray(arr, jobs_list_row(j));
	return o;
}

void jobs_rate(const struct jobs *js, struct jobs_rate *out)
{
	*out = (struct jobs_rate){ 0 };
	for (const struct job *j = js->head; j; j = j->next) {
		out->cuts += j->rc.cuts;
		if (j->state != JOB_RUNNING)
			continue;
		out->target += j->spec.adaptive ? j->rc.rate : j->spec.rate_pps;
		out->ceiling += j->spec.rate_pps;
		out->pressure = MAX(out->pressure, job_pressure(j));
	}
}
