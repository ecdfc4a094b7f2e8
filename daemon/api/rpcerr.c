/* rpc_error_set: fills a JSON-RPC error record (see rpcerr.h). */
#include "rpcerr.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

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
	/* a client's text cut at a byte limit ("%.40s") may end in half a character */
	utf8_sanitize(e->field);
	utf8_sanitize(e->message);
	return -EINVAL;
}

int rpc_check_fields(const cJSON *params, const char *const *known, struct rpc_error *e)
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
		return rpc_error_set(e, RPC_INVALID_PARAMS, f->string, "unknown field \"%.40s\"; known: %s",
				     f->string, off ? list : "none");
	}
	return 0;
}
