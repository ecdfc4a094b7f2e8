/* Who a job belongs to and who may act on it: the uid that submitted it
 * (SO_PEERCRED), kept in checkpoint.json. Cancelling, deleting, rate.set and
 * reading its results are for its owner, root and scand's own user -- or for
 * every client under [daemon] share_jobs = group; status and lists stay
 * visible to all. A job stored before owners were recorded has none: only
 * root and scand's user may act on it (or everyone under share_jobs = group). */
#pragma once
#include "job.h"
#include "joberror.h"
#include "config.h"

#include <stdbool.h>
#include <sys/types.h>

#define JOB_OWNER_UNKNOWN ((uid_t)-1)

/* The caller of an operation, as the API saw it on its socket. */
struct job_caller {
	uid_t uid;
	bool trusted; /* root or scand's own uid: every right scand has */
};

/* 0 when who may `verb` j ("cancel it", "read its results") under share;
 * otherwise JOB_ERR_PERMISSION naming the owner and the fix. */
int job_may(const struct job *j, const struct job_caller *who, enum share_jobs share, const char *verb,
	    struct job_error *err);
/* The owner as JSON: its uid, or null for a job stored without one. */
struct cJSON *job_owner_json(const struct job *j);
