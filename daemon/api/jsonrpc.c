/* JSON-RPC 2.0 framing (see jsonrpc.h): parse, envelope, single requests
 * and batches, notifications, reply objects. */
#include "jsonrpc.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static cJSON *reply_new(const cJSON *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
	return o;
}

static cJSON *error_reply(const cJSON *id, const struct rpc_error *e)
{
	cJSON *o = reply_new(id), *err = cJSON_AddObjectToObject(o, "error");
	cJSON_AddNumberToObject(err, "code", e->code);
	cJSON_AddStringToObject(err, "message", e->message);
	if (e->field[0]) {
		cJSON *data = cJSON_AddObjectToObject(err, "data");
		cJSON_AddStringToObject(data, "field", e->field);
		cJSON_AddStringToObject(data, "reason", e->message);
		if (e->retry_ms)
			cJSON_AddNumberToObject(data, "retry_after_ms", e->retry_ms);
	}
	return o;
}

cJSON *jsonrpc_notification(const char *method, cJSON *params)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	cJSON_AddStringToObject(o, "method", method);
	cJSON_AddItemToObject(o, "params", params);
	return o;
}

/* Checks one request object. On error *id is what could be read of it (the
 * reply carries it) or NULL. */
static int envelope(const cJSON *req, struct jsonrpc_req *r, struct rpc_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "jsonrpc");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	r->params = cJSON_GetObjectItemCaseSensitive(req, "params");
	r->id = NULL;
	if (!cJSON_IsObject(req))
		return rpc_error_set(err, RPC_INVALID_REQUEST, "",
				     "a request must be a JSON object with jsonrpc, method and id");
	if (id && !cJSON_IsString(id) && !cJSON_IsNumber(id) && !cJSON_IsNull(id))
		return rpc_error_set(err, RPC_INVALID_REQUEST, "id", "id must be a string, a number or null");
	r->id = id;
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0)
		return rpc_error_set(err, RPC_INVALID_REQUEST, "jsonrpc", "\"jsonrpc\": \"2.0\" is required");
	if (!cJSON_IsString(m))
		return rpc_error_set(err, RPC_INVALID_REQUEST, "method", "method must be a string");
	if (r->params && !cJSON_IsObject(r->params) && !cJSON_IsArray(r->params))
		return rpc_error_set(err, RPC_INVALID_REQUEST, "params",
				     "params must be an object (scand takes named parameters)");
	r->method = m->valuestring;
	return 0;
}

/* One request object -> its reply object, or NULL for a notification. An
 * invalid request is answered even without an id (with id null). */
static cJSON *handle_one(const cJSON *req, jsonrpc_fn fn, void *ctx)
{
	struct rpc_error err = { 0 };
	struct jsonrpc_req r;
	cJSON *result;
	if (envelope(req, &r, &err) < 0)
		return error_reply(r.id, &err);
	result = fn(ctx, &r, &err);
	if (!result && !err.code)
		rpc_error_set(&err, RPC_INTERNAL, "", "internal error (out of memory?)");
	if (!r.id) { /* a notification: acted on, never answered */
		cJSON_Delete(result);
		return NULL;
	}
	if (!result)
		return error_reply(r.id, &err);
	cJSON *o = reply_new(r.id);
	cJSON_AddItemToObject(o, "result", result);
	return o;
}

static size_t reply_size(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	size_t n = s ? strlen(s) : 0;
	free(s);
	return n;
}

/* A batch: each element is run in order; the replies form one array. Once
 * they exceed JSONRPC_BATCH_REPLY_MAX the rest are not run (-32001). */
static cJSON *handle_batch(const cJSON *arr, jsonrpc_fn fn, void *ctx)
{
	struct rpc_error err = { 0 };
	int n = cJSON_GetArraySize(arr);
	size_t bytes = 0;
	const cJSON *req;
	cJSON *out;
	if (n == 0)
		return rpc_error_set(&err, RPC_INVALID_REQUEST, "", "empty batch: send at least one request"),
		       error_reply(NULL, &err);
	if (n > JSONRPC_MAX_BATCH)
		return rpc_error_set(&err, RPC_INVALID_REQUEST, "",
				     "batch of %d requests; at most %d per batch, send the rest in another",
				     n, JSONRPC_MAX_BATCH), error_reply(NULL, &err);
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(req, arr) {
		cJSON *one;
		if (bytes > JSONRPC_BATCH_REPLY_MAX) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
			if (!id) /* not run: a notification gets no reply either */
				continue;
			rpc_error_set(&err, RPC_BUSY, "",
				      "not run: this batch's replies already exceed %u bytes; send this request again on its own",
				      JSONRPC_BATCH_REPLY_MAX);
			one = error_reply(cJSON_IsString(id) || cJSON_IsNumber(id) ? id : NULL, &err);
		} else if (!(one = handle_one(req, fn, ctx))) {
			continue;
		}
		bytes += reply_size(one);
		cJSON_AddItemToArray(out, one);
	}
	if (cJSON_GetArraySize(out) == 0) { /* only notifications: nothing at all */
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

char *jsonrpc_line(const char *line, size_t len, jsonrpc_fn fn, void *ctx)
{
	struct rpc_error err = { 0 };
	const char *end = NULL;
	cJSON *req, *rep;
	char *s;

	if (!utf8_valid(line, len)) {
		rpc_error_set(&err, RPC_PARSE_ERROR, "", "request is not valid UTF-8 text (or contains NUL bytes)");
		req = NULL;
		rep = error_reply(NULL, &err);
	} else {
		req = cJSON_ParseWithLengthOpts(line, len, &end, false);
		while (req && end && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
			end++;
		if (!req || (end && end < line + len)) {
			rpc_error_set(&err, RPC_PARSE_ERROR, "", "request is not valid JSON");
			rep = error_reply(NULL, &err);
		} else {
			rep = cJSON_IsArray(req) ? handle_batch(req, fn, ctx) : handle_one(req, fn, ctx);
		}
	}
	cJSON_Delete(req);
	if (!rep)
		return NULL;
	s = cJSON_PrintBuffered(rep, 1 << 16, 0); /* pages run to 300 KB: fewer reallocs */
	cJSON_Delete(rep);
	return s;
}
