/* Job manager (see jobs.h): the queue and state machine, runs, rates and
 * reloads. Runs live in jobrun.c, persistence in jobstore.c and
 * jobresults.c; the job list in jobs_list.c, retention in jobs_keep.c. */
#include "jobs_priv.h"
#include "clock.h"
#include "jobnet.h"
#include "jobindex.h"
#include "jobresults.h"
#include "jobrun.h"
#include "jobstore.h"
#include "jobview.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct jobs *jobs_new(const struct jobs_env *env)
{
	struct jobs *js = calloc(1, sizeof(*js));
	if (js) {
		js->env = *env;
		js->seq = 1;
	}
	return js;
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

/* Stops the job's run (its resume point saved in j->pending). */
static void job_stop_run(struct jobs *js, struct job *j, bool lagged)
{
	if (!j->run)
		return;
	j->tx_rate = jobrun_tx_rate(j);
	jobnet_filters(js->env.nics, js->head, j); /* the filter goes before the ports */
	jobrun_stop(j, lagged);
	jobnet_release(j, js->env.ports);
	js->nrunning--;
}

void job_finish(struct jobs *js, struct job *j, enum job_state st, const char *why)
{
	int r;
	if (j->run)
		job_stop_run(js, j, false);
	else if (j->state == JOB_QUEUED)
		js->nqueued--;
	j->state = st;
	if (why)
		snprintf(j->error, sizeof(j->error), "%s", why);
	j->finished_ms = clock_real_ms();
	free(j->pending);
	j->pending = NULL;
	j->npending = 0;
	job_persist(js, j);
	jobnet_filters(js->env.nics, js->head, NULL);
	job_event(js, j, JOB_EVENT_STATE);
	log_info("job %s %s: sent %llu of %llu, %llu skipped, %llu open, %llu closed, %llu up, %llu unreachable%s%s",
		 j->id, job_state_name(st), (unsigned long long)(job_sent(j) - job_skipped(j)),
		 (unsigned long long)j->total, (unsigned long long)job_skipped(j),
		 (unsigned long long)j->open, (unsigned long long)j->closed, (unsigned long long)j->up,
		 (unsigned long long)j->unreachable, j->error[0] ? ": " : "", j->error);
	if (j->indexed && (r = jobindex_save(j)) < 0) /* a cache: rebuilt when missing */
		log_errno(r, "job %s: cannot store results.idx", j->id);
	job_release(j); /* the summary stays; results are on disk */
	js->retain_due = true; /* not now: callers still hold j and the next job */
}

void job_hold(struct jobs *js, struct job *j, enum job_hold reason, const char *why)
{
	bool was_run = j->run != NULL;
	/* a full disk: resume from the last snapshot (replies to the probes since
	 * may be lost with the run); its rows and checkpoint wait in memory */
	if (was_run)
		job_stop_run(js, j, reason == HOLD_DISK);
	if ((was_run || j->state == JOB_COOLDOWN) && reason != HOLD_DISK) {
		j->state = JOB_RUNNING; /* what the checkpoint says: it resumes */
		job_persist(js, j);
		if (job_state_final(j->state) || j->state == JOB_HELD)
			return; /* the checkpoint could not be written: failed, or held for the disk */
	}
	if (j->state == JOB_QUEUED)
		js->nqueued--;
	j->state = JOB_HELD;
	j->hold = reason;
	snprintf(j->error, sizeof(j->error), "%s", why);
	log_warn("job %s held: %s", j->id, why);
	jobnet_filters(js->env.nics, js->head, NULL);
	job_event(js, j, JOB_EVENT_STATE);
}

bool job_disk_full(int r)
{
	return r == -ENOSPC || r == -EDQUOT;
}

/* A job's state or rows could not be written: held while the disk is full
 * (it resumes by itself), failed for anything waiting cannot fix. */
void job_write_failed(struct jobs *js, struct job *j, int r, const char *what)
{
	char why[700];
	if (job_state_final(j->state) || j->state == JOB_HELD)
		return;
	if (job_disk_full(r)) {
		snprintf(why, sizeof(why),
			 "cannot write %s under %s: %s; held until state_dir has room (it resumes by itself: delete finished jobs with scanctl delete JOB, or free space)",
			 what, j->dir, strerror(-r));
		return job_hold(js, j, HOLD_DISK, why);
	}
	snprintf(why, sizeof(why), "cannot write %s under %s: %s", what, j->dir, strerror(-r));
	job_finish(js, j, JOB_FAILED, why);
}

int job_store(struct job *j)
{
	struct job_resume rp;
	struct pos_range *buf;
	int r = jobrun_resume_point(j, &rp, &buf);
	if (r == 0)
		r = jobstore_checkpoint(j, &rp);
	free(buf);
	return r;
}

void job_persist(struct jobs *js, struct job *j)
{
	int r = job_store(j);
	if (r == 0)
		return;
	log_errno(r, "job %s: cannot write state under %s", j->id, j->dir);
	job_write_failed(js, j, r, "job state");
}

/* The job's NICs that are configured and up; why names the others. */
static unsigned job_nics(struct jobs *js, const struct job *j, struct nic **nics, char *why,
			 size_t len)
{
	unsigned n = 0;
	size_t off = 0;
	why[0] = '\0';
	for (unsigned i = 0; i < j->spec.nnics; i++) {
		struct nic *nic = nics_find(js->env.nics, j->spec.nics[i]);
		if (nic && nic->up) {
			nics[n++] = nic;
			continue;
		}
		off += (size_t)snprintf(why + off, len - MIN(off, len), "%sNIC %s is %s", off ? "; " : "",
					j->spec.nics[i], nic ? nic->error : "no longer configured");
		off = MIN(off, len);
	}
	return n;
}

/* What the current config requires before a job may send: a usable NIC,
 * an allowed source address, no host listener in its source ports. */
static int job_runnable(struct jobs *js, struct job *j, struct nic **nics, unsigned *n,
			char *why, size_t len)
{
	struct job_error e = { 0 };
	char missing[400];
	if (!(*n = job_nics(js, j, nics, missing, sizeof(missing))))
		return snprintf(why, len, "no NIC of the job can be used (%s); when one is back: systemctl reload scand (SIGHUP) or daemon.reload",
				missing), -ENODEV;
	if (jobnet_check(j, js->env.nics, js->env.cfg, &e) < 0)
		return snprintf(why, len, "the current config forbids it: %s", e.message), -EPERM;
	if (missing[0])
		log_warn("job %s runs without some of its NICs: %s", j->id, missing);
	return 0;
}

static void job_start(struct jobs *js, struct job *j)
{
	struct nic *nics[CONFIG_MAX_NICS];
	struct errbuf e = { { 0 } };
	char why[600];
	unsigned n;
	int r;

	if ((r = job_runnable(js, j, nics, &n, why, sizeof(why))) < 0)
		return job_hold(js, j, r == -ENODEV ? HOLD_NIC : HOLD_CONFIG, why);
	/* the ports first: the host must not pick them once replies to them go
	 * to the scan; then the filter, before the first probe (no early reply
	 * is missed) */
	if ((r = jobnet_reserve(j, js->env.nics, js->env.ports, &e)) < 0)
		return job_hold(js, j, HOLD_CONFIG, e.msg);
	js->nqueued--;
	j->state = JOB_RUNNING;
	j->error[0] = '\0';
	jobnet_filters(js->env.nics, js->head, NULL);
	if ((r = jobrun_start(j, nics, n, js->env.wake_fd, &e)) < 0) {
		j->state = JOB_QUEUED;
		js->nqueued++;
		jobnet_filters(js->env.nics, js->head, NULL);
		jobnet_release(j, js->env.ports);
		if (r != -ENODEV && r != -ENETDOWN)
			return job_finish(js, j, JOB_FAILED, e.msg);
		/* an interface gone before the tick noticed: wait for it, keep the resume point */
		snprintf(why, sizeof(why), "%s; when it is back: systemctl reload scand (SIGHUP) or daemon.reload",
			 e.msg);
		return job_hold(js, j, HOLD_NIC, why);
	}
	js->nrunning++;
	ratectl_init(&j->rc, j->spec.rate_pps, js->env.cfg->aimd_increase_pps, js->env.cfg->aimd_decrease);
	j->last_replies = j->replies;
	j->progress_ms = clock_real_ms();
	log_info("job %s running: %llu probes at %llu pps on %u queue(s)", j->id,
		 (unsigned long long)(j->total - j->sent_base), (unsigned long long)j->spec.rate_pps,
		 j->run->nparts);
	/* a first start stores nothing: the checkpoint written at submit already
	 * resumes it from the beginning (fewer fsyncs before a small job ends) */
	if (j->started_ms)
		job_persist(js, j);
	else
		j->started_ms = clock_real_ms();
	job_event(js, j, JOB_EVENT_STATE);
}

void jobs_schedule(struct jobs *js)
{
	unsigned max = MIN(js->env.cfg->max_running_jobs, (unsigned)WORKER_MAX_SLOTS);
	for (struct job *j = js->head, *next; j && !js->stopping; j = next) {
		next = j->next;
		/* a resumed job waits for its row index and dedup filter */
		if (j->state == JOB_QUEUED && js->nrunning < max && !j->index_build)
			job_start(js, j);
	}
}

/* Installs the row indexes built off the main thread; a job that cannot
 * resume because its results cannot be read fails (its files kept). */
static void jobs_poll_indexes(struct jobs *js)
{
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->index_build || jobindex_poll(j) >= 0 || job_state_final(j->state))
			continue;
		log_error("job %s cannot be resumed: %s", j->id, j->error);
		js->nqueued -= j->state == JOB_QUEUED;
		job_release(j);
		j->state = JOB_FAILED; /* in memory only: the files stay as they are, for repair */
		j->finished_ms = clock_real_ms();
		job_event(js, j, JOB_EVENT_STATE);
	}
}

/* The NIC a job lost is up again -- a reload re-opened it while the job's
 * other parts still ran, so no later reload would release a held job: the
 * job goes back to the queue and resumes its unsent positions. */
void job_requeue(struct jobs *js, struct job *j, const char *what)
{
	j->state = JOB_RUNNING; /* what the checkpoint says: it resumes */
	job_persist(js, j);
	if (job_state_final(j->state) || j->state == JOB_HELD)
		return; /* the checkpoint could not be written: failed, or held for the disk */
	j->state = JOB_QUEUED;
	j->hold = HOLD_NONE;
	j->error[0] = '\0';
	js->nqueued++;
	log_info("job %s: %s; %llu probes left, queued to resume", j->id, what,
		 (unsigned long long)(j->total - j->sent_base));
	jobnet_filters(js->env.nics, js->head, NULL);
	job_event(js, j, JOB_EVENT_STATE);
}

/* Cooldown is over: done, or held when a lost NIC left positions unsent. */
static void job_complete(struct jobs *js, struct job *j)
{
	struct nic *nics[CONFIG_MAX_NICS];
	char why[700], down[400];
	job_stop_run(js, j, false);
	if (!j->npending) {
		j->error[0] = '\0';
		if (job_lossless(j))
			return job_finish(js, j, JOB_DONE, NULL);
		snprintf(why, sizeof(why),
			 "not complete: %llu replies lost to a full result ring, %llu frames dropped or unserved on its NICs while it ran (telemetry: queues, rx_unserved)",
			 (unsigned long long)job_ring_drops(j), (unsigned long long)j->lost_nic);
		return job_finish(js, j, JOB_DONE, why);
	}
	if (job_nics(js, j, nics, down, sizeof(down)) == j->spec.nnics)
		return job_requeue(js, j, "its NICs are all up again");
	snprintf(why, sizeof(why), "%s; %llu probes are left for when it is back", j->error,
		 (unsigned long long)(j->total - j->sent_base));
	job_hold(js, j, HOLD_NIC, why);
}

/* Test only: SCAND_TEST_SLOW_DRAIN=MS stalls every drain that has a running
 * job (a slow disk, a busy main thread), so that the workers' backpressure
 * shows (e2e_storm). */
static void test_slow_drain(const struct jobs *js)
{
	const char *ms = js->nrunning ? getenv("SCAND_TEST_SLOW_DRAIN") : NULL;
	if (ms)
		usleep((useconds_t)strtoul(ms, NULL, 10) * 1000);
}

void jobs_drain(struct jobs *js)
{
	double now = clock_mono_s();
	test_slow_drain(js);
	jobs_poll_indexes(js);
	for (struct job *j = js->head, *next; j; j = next) {
		next = j->next;
		if (!j->run)
			continue;
		uint64_t bytes = j->results_bytes;
		int r = jobrun_drain(j);
		js->disk_written += j->results_bytes - bytes;
		if (r < 0) {
			job_write_failed(js, j, r, "results");
			continue;
		}
		if (j->state == JOB_RUNNING && jobrun_tx_done(j)) {
			j->tx_rate = jobrun_tx_rate(j);
			j->state = JOB_COOLDOWN;
			j->cooldown_until = now + j->spec.cooldown_s;
			atomic_store(&j->run->phase, RUN_RX_ONLY);
			job_event(js, j, JOB_EVENT_STATE);
		}
		if (j->state == JOB_COOLDOWN && now >= j->cooldown_until)
			job_complete(js, j);
	}
	jobs_schedule(js);
	if (js->retain_due)
		jobs_retain(js);
}

/* Evidence for the job's AIMD controller: allowance counters of its NICs,
 * its send and reply rates, the busiest of its workers. */
static void job_ratectl(struct jobs *js, struct job *j, double reply_pps)
{
	struct ratectl_sample s = { .sent_pps = j->pps, .reply_pps = reply_pps,
				    .results_backlog = j->results_behind };
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

/* Receive losses of the job's NICs in the last tick (telemetry_tick ran
 * first): the job may have lost replies there. */
static void job_nic_losses(struct jobs *js, struct job *j)
{
	for (unsigned i = 0; i < j->spec.nnics; i++) {
		const struct nic *n = nics_find(js->env.nics, j->spec.nics[i]);
		if (n)
			j->lost_nic += telemetry_nic(js->env.tel, n)->lost_delta;
	}
}

/* A running job's rates over the last tick: probes sent and given up by the
 * pacing (j->pps, j->behind_pps); returns the replies per second. */
static double job_tick_rates(struct job *j, double now)
{
	double dt = now - j->last_tick, reply_pps = 0;
	uint64_t sent = job_sent(j), behind = job_behind(j), waits = job_results_waits(j);
	j->results_behind = waits != j->last_results_waits;
	j->last_results_waits = waits;
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
		job_nic_losses(js, j);
		if (j->state == JOB_RUNNING) {
			j->tx_rate = jobrun_tx_rate(j);
			job_ratectl(js, j, reply_pps);
		}
		job_persist(js, j); /* writes the snapshot taken one tick ago */
		if (j->run)
			jobrun_snapshot(j);
		job_event(js, j, JOB_EVENT_PROGRESS);
	}
	if (js->retain_due) /* a checkpoint that could not be written failed a job */
		jobs_retain(js);
}

void jobs_shutdown(struct jobs *js)
{
	js->stopping = true;
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->run)
			continue;
		job_stop_run(js, j, true);
		j->state = JOB_RUNNING;
		job_persist(js, j);
		log_info("job %s checkpointed at %llu of %llu; resumes at next start", j->id,
			 (unsigned long long)j->sent_base, (unsigned long long)j->total);
	}
}

void jobs_nic_lost(struct jobs *js, const struct nic *n, const char *why)
{
	for (struct job *j = js->head; j; j = j->next) {
		if (!j->run || !jobrun_nic_lost(j, n->conf.name))
			continue;
		snprintf(j->error, sizeof(j->error),
			 "%s; the job's part on %s stopped, the other NICs finish theirs", why, n->conf.name);
		log_error("job %s: %s", j->id, j->error);
		job_event(js, j, JOB_EVENT_STATE);
	}
}

int jobs_may(const struct jobs *js, const struct job *j, const struct job_caller *who, const char *verb,
	     struct job_error *err)
{
	return job_may(j, who, js->env.cfg->share_jobs, verb, err);
}

int jobs_cancel(struct jobs *js, struct job *j, const struct job_caller *who, enum job_state *st,
		struct job_error *err)
{
	if (jobs_may(js, j, who, "cancel it", err) < 0)
		return -EPERM;
	*st = j->state;
	if (!job_state_final(*st)) {
		job_finish(js, j, JOB_CANCELLED, NULL);
		*st = JOB_CANCELLED;
		jobs_retain(js); /* no finished job beyond retain_jobs, even for 20 ms */
	}
	return 0;
}

int jobs_set_rate(struct jobs *js, struct job *j, const struct job_caller *who, uint64_t pps,
		  struct job_error *err)
{
	uint64_t max = js->env.cfg->max_pps, old = j->spec.rate_pps;
	int r;
	if (jobs_may(js, j, who, "set its rate", err) < 0)
		return -EPERM;
	if (pps < 1 || pps > 1000000000ull)
		return job_error_set(err, JOB_ERR_INVALID, "rate_pps",
				     "rate_pps must be between 1 and 1000000000");
	if (max && pps > max)
		return job_error_set(err, JOB_ERR_INVALID, "rate_pps",
				     "rate_pps %llu exceeds [rate] max_pps = %llu",
				     (unsigned long long)pps, (unsigned long long)max);
	if (job_state_final(j->state))
		return job_error_set(err, JOB_ERR_INVALID, "job_id",
				     "job %s is %s; the rate applies to queued, running or held jobs",
				     j->id, job_state_name(j->state));
	j->spec.rate_pps = pps;
	if ((r = jobstore_save_spec(j)) < 0) { /* keep the stored rate and the running one alike */
		j->spec.rate_pps = old;
		return job_error_set(err, JOB_ERR_INTERNAL, "",
				     "cannot store the new rate under %s: %s; the job keeps %llu pps",
				     j->dir, strerror(-r), (unsigned long long)old);
	}
	ratectl_set_ceiling(&j->rc, pps);
	jobrun_set_rate(j, pps);
	log_info("job %s: rate set to %llu pps", j->id, (unsigned long long)pps);
	return 0;
}

void jobs_counts(const struct jobs *js, unsigned *running, unsigned *queued)
{
	*running = js->nrunning;
	*queued = js->nqueued;
}

uint64_t jobs_ring_drops(const struct jobs *js)
{
	uint64_t s = 0;
	for (const struct job *j = js->head; j; j = j->next)
		s += job_ring_drops(j);
	return s;
}

bool jobs_nic_busy(const struct jobs *js, const struct nic *n)
{
	for (const struct job *j = js->head; j; j = j->next)
		if (jobrun_on_nic(j, n->conf.name))
			return true;
	return false;
}

uint64_t jobs_nic_rate(const struct jobs *js, const struct nic *n)
{
	uint64_t s = 0;
	for (const struct job *j = js->head; j; j = j->next)
		if (j->state == JOB_RUNNING)
			s += jobrun_nic_rate(j, n->conf.name);
	return s;
}

cJSON *jobs_list_json(struct jobs *js, const char *state, struct job_error *err)
{
	enum job_state st = JOB_QUEUED;
	cJSON *o, *arr;
	if (state && job_state_parse(state, &st) < 0)
		return job_error_set(err, JOB_ERR_INVALID, "state",
				     "unknown state \"%.32s\"; use queued, running, cooldown, held, done, failed or cancelled",
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

unsigned jobs_reload(struct jobs *js)
{
	unsigned affected = 0;
	for (struct job *j = js->head; j; j = j->next) {
		if (job_state_final(j->state))
			continue;
		int r = job_skip_update(js, j);
		if (r > 0 && j->run) {
			affected++;
			log_info("job %s: the reloaded blocklist/allow list excludes some of its addresses; they are skipped from now on",
				 j->id);
		}
		if (j->state == JOB_HELD) { /* try again: the reason may be gone */
			j->state = JOB_QUEUED;
			j->hold = HOLD_NONE;
			js->nqueued++;
		}
	}
	jobs_schedule(js);
	if (js->retain_due) /* a job that failed to start */
		jobs_retain(js);
	return affected;
}
