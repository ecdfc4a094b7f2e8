/* JSON-RPC error codes (docs/protocol.md), the error record of a reply, and
 * the one place where the job layer's neutral errors become codes. */
#pragma once
#include "joberror.h"

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
	unsigned retry_ms; /* > 0: data.retry_after_ms, the condition passes by itself */
};

int rpc_error_set(struct rpc_error *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The JSON-RPC code of a job error's kind. */
int rpc_code_of(enum job_error_kind kind);
/* Copies a job error into a reply's error record; returns -EINVAL. */
int rpc_error_from_job(struct rpc_error *e, const struct job_error *je);
