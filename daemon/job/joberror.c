/* job_error_set, job_check_fields: the job layer's neutral errors (joberror.h). */
#include "joberror.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int job_error_vset(struct job_error *e, enum job_error_kind kind, const char *field, const char *fmt,
		   va_list ap)
{
	if (!e)
		return -EINVAL;
	e->kind = kind;
	if (kind != JOB_ERR_LIMIT)
		e->retry_ms = 0;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	/* a client's text cut at a byte limit ("%.40s") may end in half a character */
	utf8_sanitize(e->field);
	utf8_sanitize(e->message);
	return -EINVAL;
}

int job_error_set(struct job_error *e, enum job_error_kind kind, const char *field, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = job_error_vset(e, kind, field, fmt, ap);
	va_end(ap);
	return r;
}

int job_check_fields(const cJSON *params, const char *const *known, struct job_error *e)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, params) {
		char list[400] = "";
		size_t off = 0;
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(f->string, *k) == 0;
		if (ok)
			continue;
		for (const char *const *k = known; *k && off < sizeof(list); k++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", *k);
		return job_error_set(e, JOB_ERR_INVALID, f->string, "unknown field \"%.40s\"; known: %s",
				     f->string, off ? list : "none");
	}
	return 0;
}
