/* scanctl's connection to scand: one blocking Unix socket, JSON-RPC request
 * lines out, lines in (replies, and notifications on a subscribed
 * connection). Exit codes per DESIGN §4. */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define EXIT_DAEMON_ERROR 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct client {
	const char *path;
	int fd;
	unsigned next_id;
	bool json; /* --json: raw results */
	char *rbuf; /* bytes read past the last line */
	size_t rlen, rcap;
};

/* Connects; -errno (the socket is closed again on failure). */
int client_open(struct client *c);
void client_close(struct client *c);
/* Closes and frees the read buffer. */
void client_free(struct client *c);
/* Connects or exits 3 with a message that says how to fix it. */
void client_connect(struct client *c);
/* Sends method(params) (params consumed, may be NULL) and reads until its
 * reply, skipping notifications. 0 with *reply the whole reply object,
 * or -errno when the connection failed (then closed; *reply NULL). An error
 * with data.retry_after_ms is said once on stderr and the request sent
 * again after that long, until another reply comes. */
int client_request(struct client *c, const char *method, cJSON *params, cJSON **reply);
/* The same, once: the error reply as it comes. */
int client_request_once(struct client *c, const char *method, cJSON *params, cJSON **reply);
/* The next line from scand as JSON: 0, -ECONNRESET when scand closed the
 * connection, -EBADMSG for an unreadable line, -errno. */
int client_read_msg(struct client *c, cJSON **msg);
/* The same, waiting at most timeout_ms for it: -ETIMEDOUT then. */
int client_read_msg_within(struct client *c, cJSON **msg, int timeout_ms);
/* Prints the error of a reply ("scanctl: message (field: f)"). */
void client_print_error(const cJSON *reply);
/* client_request that exits: 3 when scand cannot be reached, 1 (after
 * printing it) on an error reply. Returns the result (caller frees). */
cJSON *client_call(struct client *c, const char *method, cJSON *params);
/* client_call for a request that is safe to send twice (a submit with a
 * client_key): a connection lost before the reply is opened again and the
 * request sent again, for up to retry_s seconds. */
cJSON *client_call_retry(struct client *c, const char *method, cJSON *params, double retry_s);
