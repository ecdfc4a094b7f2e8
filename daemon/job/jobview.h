/* JSON views of jobs for the control protocol (docs/protocol.md):
 * job.status, job.list rows and job.results pages. */
#pragma once
#include "job.h"
#include "joberror.h"
#include "output.h"
#include <cjson/cJSON.h>

cJSON *job_status_json(const struct job *j);
cJSON *jobs_list_row(const struct job *j);
/* A page of rows [offset, offset + limit): "results" (NDJSON rows as JSON
 * objects, CSV lines as strings), or with text one string "text" of the
 * rows as lines (each ending in '\n'), which a client writes out as it is.
 * A reader may be told to retry while the row index is rebuilt. */
cJSON *job_results_json(struct job *j, uint64_t offset, uint64_t limit, enum out_format f, bool text,
			struct job_error *err);
