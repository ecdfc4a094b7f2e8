/* rpc_error_set, and the mapping of job error kinds to JSON-RPC codes (rpcerr.h). */
#include "rpcerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rpc_error_set(struct rpc_error *e, int code, const char *field, const char *fmt, ...)
{
	struct job_error je;
	va_list ap;
	if (!e)
		return -EINVAL;
	va_start(ap, fmt);
	job_error_vset(&je, JOB_ERR_INTERNAL, field, fmt, ap);
	va_end(ap);
	rpc_error_from_job(e, &je);
	e->code = code;
	return -EINVAL;
}

int rpc_code_of(enum job_error_kind kind)
{
	switch (kind) {
	case JOB_ERR_INVALID:
		return RPC_INVALID_PARAMS;
	case JOB_ERR_CONFLICT:
	case JOB_ERR_LIMIT:
		return RPC_BUSY;
	case JOB_ERR_NOT_FOUND:
		return RPC_NOT_FOUND;
	case JOB_ERR_PERMISSION:
		return RPC_PERMISSION;
	case JOB_ERR_NONE:
	case JOB_ERR_INTERNAL:
		break;
	}
	return RPC_INTERNAL;
}

int rpc_error_from_job(struct rpc_error *e, const struct job_error *je)
{
	e->code = rpc_code_of(je->kind);
	memcpy(e->field, je->field, sizeof(e->field));
	memcpy(e->message, je->message, sizeof(e->message));
	e->retry_ms = je->kind == JOB_ERR_LIMIT ? je->retry_ms : 0;
	return -EINVAL;
}
