/* JSON views of jobs for the control protocol (docs/protocol.md):
 * job.status, job.list rows and job.results pages. */
#pragma once
#include "job.h"
#include "joberror.h"
#include "output.h"
#include <cjson/cJSON.h>

cJSON *job_status_json(const struct job *j);
cJSON *jobs_list_row(const struct job *j);
cJSON *job_results_json(struct job *j, uint64_t offset, uint64_t limit, enum out_format f,
			struct job_error *err);
