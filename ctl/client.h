/* scanctl's connection to scand: one blocking Unix socket, one JSON-RPC
 * request line out, one response line in. Exit codes per DESIGN §4. */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>

#define EXIT_DAEMON_ERROR 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct client {
	const char *path;
	int fd;
	unsigned next_id;
	bool json; /* --json: raw results */
};

/* Connects or exits 3 with a message that says how to fix it. */
void client_connect(struct client *c);
/* Sends method(params) (params consumed, may be NULL); returns the result
 * (caller frees) or prints the daemon's error and exits 1. */
cJSON *client_call(struct client *c, const char *method, cJSON *params);
