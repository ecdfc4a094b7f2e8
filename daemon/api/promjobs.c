/* Prometheus daemon and job metrics (see promjobs.h). */
#include "promjobs.h"
#include "clock.h"
#include "jobrun.h"
#include "joblabels.h"
#include "scand-config.h"

#include <string.h>

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void daemon_metrics(struct daemon *d, FILE *f)
{
	struct jobs_rate jr;
	unsigned n[16] = { 0 };
	int ns = 0;
	jobs_rate(d->jobs, &jr);
	head(f, "scand_up", "gauge", "1 while scand writes this file (see scand_last_update_timestamp_seconds).");
	fprintf(f, "scand_up 1\n");
	head(f, "scand_last_update_timestamp_seconds", "gauge", "When scand last wrote this file (it does every tick).");
	fprintf(f, "scand_last_update_timestamp_seconds %.3f\n", (double)clock_real_ms() / 1e3);
	head(f, "scand_info", "gauge", "scand's version.");
	fprintf(f, "scand_info{version=\"%s\"} 1\n", SCAND_VERSION);
	while (ns < 16 && strcmp(job_state_name((enum job_state)ns), "?") != 0)
		ns++;
	for (const struct job *j = jobs_first(d->jobs); j; j = j->next)
		if ((int)j->state < ns)
			n[j->state]++;
	head(f, "scand_jobs", "gauge", "Jobs retained, by state.");
	for (int s = 0; s < ns; s++)
		fprintf(f, "scand_jobs{state=\"%s\"} %u\n", job_state_name((enum job_state)s), n[s]);
	head(f, "scand_rate_target_pps", "gauge", "Sum of the running jobs' current target rates.");
	fprintf(f, "scand_rate_target_pps %llu\n", (unsigned long long)jr.target);
	head(f, "scand_rate_cuts_total", "counter", "AIMD cuts on network pressure.");
	fprintf(f, "scand_rate_cuts_total %llu\n", (unsigned long long)jr.cuts);
	head(f, "scand_network_pressure", "gauge", "1 while some running job's rate is cut by network pressure.");
	fprintf(f, "scand_network_pressure %d\n", jr.pressure == PRESSURE_NETWORK);
	head(f, "scand_cpu_pressure", "gauge", "1 while some running job cannot reach its rate for lack of CPU.");
	fprintf(f, "scand_cpu_pressure %d\n", jr.pressure == PRESSURE_CPU);
}

/* name{job_id="..",labels...} value, for every unfinished job */
static void job_series(const struct jobs *js, FILE *f, const char *name, const char *type,
		       const char *help, double (*value)(const struct job *j))
{
	head(f, name, type, help);
	for (const struct job *j = jobs_first(js); j; j = j->next) {
		if (job_state_final(j->state) || value(j) < 0)
			continue;
		fprintf(f, "%s{job_id=\"%s\"", name, j->id);
		joblabels_prom(&j->spec.labels, f);
		fprintf(f, "} %.15g\n", value(j));
	}
}

static double v_sent(const struct job *j) { return (double)(job_sent(j) - job_skipped(j)); }
static double v_total(const struct job *j) { return (double)j->total; }
static double v_replies(const struct job *j) { return (double)j->replies; }
static double v_open(const struct job *j) { return (double)j->open; }
static double v_closed(const struct job *j) { return (double)j->closed; }
static double v_up(const struct job *j) { return (double)j->up; }
static double v_unreachable(const struct job *j) { return (double)j->unreachable; }
static double v_running(const struct job *j) { return j->state == JOB_RUNNING || j->state == JOB_COOLDOWN; }
static double v_net(const struct job *j) { return job_pressure(j) == PRESSURE_NETWORK; }
static double v_cpu(const struct job *j) { return job_pressure(j) == PRESSURE_CPU; }
static double v_rate(const struct job *j)
{
	return (double)(j->spec.adaptive && j->run ? j->rc.rate : j->spec.rate_pps);
}
static double v_progress(const struct job *j)
{
	return j->progress_ms ? (double)j->progress_ms / 1e3 : -1; /* not started: no series */
}

void promjobs_write(struct daemon *d, FILE *f)
{
	daemon_metrics(d, f);
	job_series(d->jobs, f, "scand_job_sent_total", "counter", "Probes a job sent.", v_sent);
	job_series(d->jobs, f, "scand_job_probes", "gauge", "Probes in a job's shard after the blocklist.", v_total);
	job_series(d->jobs, f, "scand_job_replies_total", "counter", "Result rows of a job.", v_replies);
	/* rows by status, counted whether the job records them or not; a
	 * status without a port (up, unreachable of icmp_echo) has no label
	 * more than the others: these series count rows, they do not list them */
	job_series(d->jobs, f, "scand_job_open_total", "counter", "Open ports a job found.", v_open);
	job_series(d->jobs, f, "scand_job_closed_total", "counter", "Closed ports a job found (RST, ICMP port unreachable).", v_closed);
	job_series(d->jobs, f, "scand_job_up_total", "counter", "Hosts that answered an icmp_echo job's echo request.", v_up);
	job_series(d->jobs, f, "scand_job_unreachable_total", "counter", "Probes an ICMP error answered (icmp_echo, udp).", v_unreachable);
	job_series(d->jobs, f, "scand_job_running", "gauge", "1 while a job runs or cools down, 0 while queued.", v_running);
	job_series(d->jobs, f, "scand_job_rate_pps", "gauge", "A job's current target rate.", v_rate);
	job_series(d->jobs, f, "scand_job_network_pressure", "gauge", "1 while AIMD cuts the job's rate for network pressure.", v_net);
	job_series(d->jobs, f, "scand_job_cpu_pressure", "gauge", "1 while the job falls behind its rate for lack of CPU.", v_cpu);
	job_series(d->jobs, f, "scand_job_last_progress_timestamp_seconds", "gauge",
		   "When the job last sent a probe or got a reply.", v_progress);
}
