/* scanctl: waiting for a job to end (woken by its notifications) and
 * writing its results (paged, or followed as they arrive). */
#pragma once
#include "client.h"

/* Waits for the job to end, drawing progress on stderr; the final status. */
cJSON *wait_job(struct client *c, const char *id);
/* Writes every result row of a job to path ("-" or NULL: stdout). */
int write_results(struct client *c, const char *id, const char *path, bool csv);
/* results --follow into path. */
int follow_file(struct client *c, const char *id, const char *path);
