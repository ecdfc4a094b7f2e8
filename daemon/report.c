/* Reports (see report.h). */
#include "report.h"
#include "statefile.h"

#include <errno.h>
#include <stdlib.h>

cJSON *report_telemetry(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *nics = cJSON_AddArrayToObject(o, "nics"), *rate;
	struct jobs_rate jr;
	for (unsigned i = 0; i < d->nics.n; i++) {
		cJSON *n = telemetry_nic_json(&d->tel, &d->nics.nic[i]);
		cJSON_AddNumberToObject(n, "rate_target_pps", (double)jobs_nic_rate(d->jobs, &d->nics.nic[i]));
		cJSON_AddItemToArray(nics, n);
	}
	jobs_rate(d->jobs, &jr);
	rate = cJSON_AddObjectToObject(o, "rate");
	cJSON_AddNumberToObject(rate, "target", (double)jr.target);
	cJSON_AddNumberToObject(rate, "ceiling", (double)jr.ceiling);
	cJSON_AddStringToObject(rate, "pressure", pressure_name(jr.pressure));
	cJSON_AddNumberToObject(rate, "cuts", (double)jr.cuts);
	cJSON_AddNumberToObject(rate, "current", telemetry_tx_pps(&d->tel, &d->nics));
	cJSON_AddItemToObject(o, "state_dir", report_state_dir(d));
	return o;
}

cJSON *report_state_dir(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t used, avail;
	jobs_disk(d->jobs, &used, &avail);
	cJSON_AddStringToObject(o, "path", d->cfg.state_dir);
	cJSON_AddNumberToObject(o, "used_bytes", (double)used);
	cJSON_AddNumberToObject(o, "free_bytes", (double)avail);
	return o;
}

void report_status_line(struct daemon *d, char *buf, size_t len)
{
	unsigned running, queued;
	size_t off;
	jobs_counts(d->jobs, &running, &queued);
	off = (size_t)snprintf(buf, len, "%u job%s running, %u queued, %.0fk pps", running,
			       running == 1 ? "" : "s", queued, telemetry_tx_pps(&d->tel, &d->nics) / 1e3);
	for (unsigned i = 0; i < d->nics.n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ", %s %s%.0fk", d->nics.nic[i].conf.name,
					d->nics.nic[i].up ? "" : "FAILED ", telemetry_nic(&d->tel, &d->nics.nic[i])->tx_pps / 1e3);
}

static void prom_jobs(const struct jobs *js, FILE *f)
{
	static const char *const names[] = { "scand_job_sent_total", "scand_job_replies_total",
					     "scand_job_open_total" };
	struct jobs_rate jr;
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		fprintf(f, "# HELP %s Per active job.\n# TYPE %s counter\n", names[k], names[k]);
		for (const struct job *j = jobs_first(js); j; j = j->next) {
			uint64_t v = k == 0 ? job_sent(j) : k == 1 ? j->replies : j->open;
			if (!job_state_final(j->state))
				fprintf(f, "%s{job=\"%s\"} %llu\n", names[k], j->id, (unsigned long long)v);
		}
	}
	jobs_rate(js, &jr);
	fprintf(f, "# HELP scand_rate_target_pps Sum of the running jobs' current target rates.\n"
		   "# TYPE scand_rate_target_pps gauge\nscand_rate_target_pps %llu\n"
		   "# HELP scand_rate_cuts_total AIMD cuts on network pressure.\n"
		   "# TYPE scand_rate_cuts_total counter\nscand_rate_cuts_total %llu\n",
		(unsigned long long)jr.target, (unsigned long long)jr.cuts);
}

static void prom_state_dir(struct daemon *d, FILE *f)
{
	uint64_t used, avail;
	jobs_disk(d->jobs, &used, &avail);
	fprintf(f, "# HELP scand_state_dir_used_bytes Bytes under state_dir/jobs.\n"
		   "# TYPE scand_state_dir_used_bytes gauge\nscand_state_dir_used_bytes %llu\n"
		   "# HELP scand_state_dir_free_bytes Bytes free in state_dir's filesystem.\n"
		   "# TYPE scand_state_dir_free_bytes gauge\nscand_state_dir_free_bytes %llu\n",
		(unsigned long long)used, (unsigned long long)avail);
}

int report_prometheus(struct daemon *d)
{
	char *buf = NULL;
	size_t len = 0;
	int r;
	if (!d->cfg.prometheus_textfile[0])
		return 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	telemetry_prometheus(&d->tel, &d->nics, f);
	prom_jobs(d->jobs, f);
	prom_state_dir(d, f);
	fclose(f);
	r = statefile_write(d->cfg.prometheus_textfile, buf, len);
	free(buf);
	return r;
}
