/* Job persistence (DESIGN §2) under state_dir/jobs/<id>/: spec.json,
 * checkpoint.json (atomic), results.ndjson (append, fsync before each
 * checkpoint), reload after a restart. A leaf: it stores what it is given. */
#pragma once
#include "job.h"
#include <sys/types.h>

int jobstore_create(struct job *j, const char *state_dir);
/* Flushes results (fsync), then replaces checkpoint.json: the job's state,
 * key, times, error and rp. */
int jobstore_checkpoint(struct job *j, const struct job_resume *rp);
int jobstore_save_spec(struct job *j);
int jobstore_load(struct job *j, const char *state_dir, const char *id, const struct config *cfg,
		  const struct cidr_list *block, const struct cidr_list *allow);
int jobstore_results_open(struct job *j);
int jobstore_results_append(struct job *j, const char *line, size_t len);
int jobstore_results_flush(struct job *j, bool sync);
void jobstore_close(struct job *j);
/* Reads result row i (0-based) into buf; returns its length or -errno. */
ssize_t jobstore_results_row(struct job *j, size_t i, char *buf, size_t cap);
