/* JSON-RPC error codes (DESIGN §3) and the error record handlers fill in. */
#pragma once

#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL -32603
#define RPC_BUSY -32001
#define RPC_NOT_FOUND -32002
#define RPC_PERMISSION -32003
#define RPC_ENGINE -32004

struct rpc_error {
	int code;
	char field[64];	   /* params field at fault ("ports", "shard.index"), or "" */
	char message[448]; /* names the problem and the fix */
};

int rpc_error_set(struct rpc_error *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct cJSON;
/* Only the fields named in known (NULL-terminated) may appear in the object
 * params; the error names the first stranger and lists the known ones. */
int rpc_check_fields(const struct cJSON *params, const char *const *known, struct rpc_error *e);
