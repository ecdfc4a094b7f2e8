/* Errors of the job layer, neutral to the protocol: a kind, the field at
 * fault and a message that names the problem and the fix. The API maps the
 * kinds to JSON-RPC codes in one place (api/rpcerr.c). */
#pragma once
#include <stdarg.h>

enum job_error_kind {
	JOB_ERR_NONE = 0,
	JOB_ERR_INVALID,    /* a field's value is wrong: fix the request */
	JOB_ERR_CONFLICT,   /* the job's state forbids it now ("cancel it first") */
	JOB_ERR_LIMIT,	    /* a limit is reached (queue, disk): retry later */
	JOB_ERR_NOT_FOUND,  /* no such job */
	JOB_ERR_PERMISSION, /* the caller may not do this */
	JOB_ERR_INTERNAL,   /* out of memory, an I/O error of scand's own */
};

struct job_error {
	enum job_error_kind kind;
	char field[64];	   /* request field at fault ("ports", "shard.index"), or "" */
	char message[448]; /* names the problem and the fix (valid UTF-8) */
	unsigned retry_ms; /* JOB_ERR_LIMIT that passes by itself: retry after this long */
};

/* Fills e; returns -EINVAL, so that `return job_error_set(...)` fails. */
int job_error_set(struct job_error *e, enum job_error_kind kind, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int job_error_vset(struct job_error *e, enum job_error_kind kind, const char *field, const char *fmt,
		   va_list ap) __attribute__((format(printf, 4, 0)));

struct cJSON;
/* Only the fields named in known (NULL-terminated) may appear in the object
 * params; the error names the first stranger and lists the known ones. */
int job_check_fields(const struct cJSON *params, const char *const *known, struct job_error *e);
