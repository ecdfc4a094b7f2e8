/* Control socket transport: a libevent accept loop on a Unix stream socket
 * carrying NDJSON. It frames lines, enforces limits (clients, line length,
 * output backlog, idle timeouts), checks the peer with SO_PEERCRED, backs off
 * on EMFILE, and hands each complete line to a handler. It knows nothing of
 * JSON-RPC methods (rpc.c does). */
#pragma once
#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct control;
struct control_client;

/* Returns a malloc'd response line without the trailing '\n', or NULL for no
 * response (notifications). The transport appends '\n' and frees it. */
typedef char *(*control_handler)(void *ctx, struct control_client *c, const char *line,
				 size_t len);

struct control_opts {
	const char *path;      /* socket path; parent dir created 0755 if missing */
	const char *group;     /* group allowed to connect (socket chgrp); "" = none */
	int listen_fd;	       /* >= 0: use this already-listening fd (sd_listen_fds) */
	unsigned max_clients;  /* further connections get one -32001 error line, then close */
	unsigned max_clients_per_uid; /* the same for the connections of one uid (0 = max_clients) */
	size_t max_line;       /* a longer line gets -32600 "line exceeds N bytes" and close */
	size_t max_outbuf;     /* a client not reading past this is dropped */
	unsigned idle_timeout_s; /* half a line or unread output for this long: dropped; no
				  * request for this long and not subscribed: closed */
	bool read_only;	       /* a telemetry-only socket: handler sees control_client_read_only() */
	/* called (with the handler's ctx) when a client has read everything sent
	 * to it: a stream sends its next batch then, not at the next tick */
	void (*drained)(void *ctx, struct control_client *c);
};

/* Creates the socket (mode 0660, group from opts) and registers it on base.
 * -errno with a message in err naming the path and the fix. */
struct control *control_new(struct event_base *base, const struct control_opts *o,
			    control_handler h, void *ctx, char *err, size_t errlen);
void control_free(struct control *ctl); /* closes clients, unlinks the path it created */

/* The socket's path; *passed tells whether systemd passed it (socket activation). */
const char *control_path(const struct control *ctl, bool *passed);
unsigned control_nclients(const struct control *ctl);
bool control_client_read_only(const struct control_client *c);
/* The peer is root or scand's own uid: it has every right scand has. */
bool control_client_trusted(const struct control_client *c);
/* The peer's uid (SO_PEERCRED at connect; (uid_t)-1 when unknown). */
uid_t control_client_uid(const struct control_client *c);
/* Subscribe this client to notifications; job_id NULL/"" = all jobs. */
void control_client_subscribe(struct control_client *c, const char *job_id);
/* Sends one notification line (no '\n') to every subscribed client whose
 * filter matches job_id. Non-blocking: slow clients are dropped by limits. */
void control_notify(struct control *ctl, const char *job_id, const char *line);
/* Per-client state of a higher layer (e.g. a result stream), freed with
 * free_fn when the client goes away or is given new data. */
void control_client_set_data(struct control_client *c, void *data, void (*free_fn)(void *));
void *control_client_data(const struct control_client *c);
/* Bytes queued to c that the peer has not read yet. */
size_t control_client_pending(const struct control_client *c);
/* Sends one line (no '\n') to c alone, under the same output limit. */
void control_client_send(struct control_client *c, const char *line);
/* Calls fn for every connected client; fn must not free clients. */
void control_foreach(struct control *ctl, void (*fn)(struct control_client *c, void *arg), void *arg);
