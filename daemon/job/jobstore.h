/* Job persistence (DESIGN §2) under state_dir/jobs/<id>/: spec.json, space.json
 * (the index space's hosts as built at submit), checkpoint.json (state,
 * resume point and the summary a finished job keeps), each replaced
 * atomically; results.ndjson is jobresults.c's. A leaf: it stores what it is
 * given, and loading never rewrites a file. */
#pragma once
#include "job.h"
#include <sys/types.h>

/* Creates the directory and the files of a new job (its space built). */
int jobstore_create(struct job *j, const char *state_dir);
/* Flushes results (fsync), then replaces checkpoint.json: the job's state,
 * key, times, error, summary and rp. */
int jobstore_checkpoint(struct job *j, const struct job_resume *rp);
int jobstore_save_spec(struct job *j);
/* Reads spec.json (jobspec_from_stored) and checkpoint.json. -EBADMSG or
 * -errno with j->error saying which file is unusable. */
int jobstore_load(struct job *j, const char *state_dir, const char *id, const struct config *cfg);
/* The job's index space from space.json (the positions of its checkpoint);
 * a job stored before space.json existed gets it rebuilt from its spec under
 * block/allow. Checks the pending positions against it. */
int jobstore_load_space(struct job *j, const struct config *cfg, const struct cidr_list *block,
			const struct cidr_list *allow);
/* Deletes the job's directory and everything in it. */
int jobstore_remove(struct job *j);
