/* scanctl results JOB --follow: prints a job's result rows (NDJSON) as scand
 * streams them (events.subscribe with results: true) until the job has
 * ended and every row is out; after a lost connection it connects again
 * and resumes from the next row, so no row is missed or printed twice. */
#pragma once
#include "client.h"
#include <stdbool.h>
#include <stdio.h>

/* Writes the stream's rows (NDJSON, or CSV with its header) until the job
 * has ended and every row is out: 0, 1 when scand refused, 3 when it stayed
 * unreachable for retry_s. */
int follow_stream(struct client *c, const char *job, FILE *out, bool csv, double retry_s);
/* follow_stream in NDJSON; then 0 when the job ended done, 1 when it ended
 * otherwise. */
int follow_results(struct client *c, const char *job, FILE *out, double retry_s);
