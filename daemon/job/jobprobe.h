/* A job's probe module and output filter from job.submit: "probe" (a
 * module name, or {"module": NAME, FIELD: VALUE...}; tcp_syn by default)
 * and "record" (the statuses kept in the results file; all by default). */
#pragma once
#include "config.h"
#include "joberror.h"
#include "probe_module.h"
#include <cjson/cJSON.h>

struct job_probe {
	struct probe_args args;
	uint8_t record; /* bit (1 << status) per status kept; 0: every status */
};

/* Decodes "probe" and "record" of params. Errors are JOB_ERR_INVALID with
 * the field ("probe", "probe.options", "record[1]") and the fix. A udp job
 * without a payload gets the [scan] udp_payloads file's set. stored: the
 * legacy form "probe": "tcp_syn" keeps the Linux option set scand sent
 * before modules had options. */
int jobprobe_from_json(const cJSON *params, const struct config *cfg, bool stored,
		       struct job_probe *jp, struct job_error *err);
/* Adds "probe" (with every field resolved) and, when filtering, "record". */
void jobprobe_to_json(const struct job_probe *jp, cJSON *o);
void jobprobe_free(struct job_probe *jp);

static inline bool jobprobe_keeps(const struct job_probe *jp, uint8_t status)
{
	return !jp->record || (jp->record & (1u << status));
}
