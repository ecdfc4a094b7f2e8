/* rpc_error_set: fills a JSON-RPC error record (see rpcerr.h). */
#include "rpcerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int rpc_error_set(struct rpc_error *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return -EINVAL;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}
