/* JSON-RPC 2.0 request handling (DESIGN §3): one request line in, one
 * response line out. No I/O: the control transport calls it, and so do the
 * unit tests and the fuzzer (with c == NULL). */
#pragma once
#include "core.h"
#include <stddef.h>

struct control_client;

/* ctx is the struct daemon. Returns a malloc'd response without '\n'. */
char *rpc_handle(void *ctx, struct control_client *c, const char *line, size_t len);
/* jobs_env.on_event: job.state / job.progress notifications (ctx: the daemon). */
void rpc_job_event(void *ctx, const struct job *j, enum job_event ev);
