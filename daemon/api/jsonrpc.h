/* JSON-RPC 2.0 framing (https://www.jsonrpc.org/specification): a line in,
 * single requests and batches, the envelope check, notifications answered
 * with nothing, reply objects. It knows no methods: a callback runs each one. */
#pragma once
#include "rpcerr.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define JSONRPC_MAX_BATCH 64		     /* requests in one batch */
#define JSONRPC_BATCH_REPLY_MAX (2u << 20) /* bytes of replies one batch may produce: one turn of the loop */

/* A request whose envelope is valid. id is NULL for a notification. */
struct jsonrpc_req {
	const cJSON *id;
	const char *method;
	const cJSON *params; /* an object or an array; NULL when absent */
};

/* Runs one valid request. Returns the result (owned by the caller), or NULL
 * with err set. The caller drops the reply of a notification. */
typedef cJSON *(*jsonrpc_fn)(void *ctx, const struct jsonrpc_req *req, struct rpc_error *err);

/* One request line (an object or a batch array). Returns the reply line
 * (malloc'd, no '\n') or NULL when no reply is due: a notification, or a
 * batch of notifications only. */
char *jsonrpc_line(const char *line, size_t len, jsonrpc_fn fn, void *ctx);
/* {"jsonrpc":"2.0","id":ID,"method":M,"params":P} is a notification (no id). */
cJSON *jsonrpc_notification(const char *method, cJSON *params);
