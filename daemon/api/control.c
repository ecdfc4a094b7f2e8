/* Control socket transport (see control.h), in the spirit of OpenBSD
 * relayd's control.c: a small accept loop that backs off on EMFILE, checks
 * the peer, bounds every buffer and drops a misbehaving client alone. */
#include "control.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_OUTBUF (16u << 20)
/* control_opts.drained is called once a client's unread output is down to
 * this: a stream's next batch is built while the client reads the last one */
#define DRAIN_LOW (128u << 10)

struct control_client {
	struct control *ctl;
	struct bufferevent *bev;
	struct event *more_ev; /* the next buffered request, on the loop's next turn */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool subscribed, closing, drop; /* closing: after flush; drop: now */
	char sub_job[32];
	time_t in_since, out_since; /* partial input / pending output since (0 = none) */
	time_t last_request;	    /* connect time or the last complete request line */
	void *data;		    /* control_client_set_data() */
	void (*data_free)(void *);
	struct control_client *prev, *next;
};

struct control {
	struct event_base *base;
	struct control_opts o;
	char path[108];
	int fd;
	bool own_path, has_gid, passed;
	gid_t gid;
	struct event *accept_ev, *backoff_ev, *sweep_ev;
	control_handler handler;
	void *ctx;
	unsigned n;
	struct control_client *clients;
};

static time_t now_s(void)
{
	return (time_t)clock_mono_s();
}

static void client_free(struct control_client *c)
{
	struct control *ctl = c->ctl;
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->data_free)
		c->data_free(c->data);
	if (c->more_ev)
		event_free(c->more_ev);
	bufferevent_free(c->bev);
	ctl->n--;
	free(c);
}

static void client_write(struct control_client *c, const char *line, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t max = c->ctl->o.max_outbuf ? c->ctl->o.max_outbuf : DEFAULT_OUTBUF;
	if (c->closing)
		return;
	if (evbuffer_get_length(out) + len + 1 > max) {
		log_warn("control: client pid %d does not read its replies (%zu bytes queued); dropping it",
			 (int)c->pid, evbuffer_get_length(out));
		c->closing = c->drop = true;
		return;
	}
	if (evbuffer_get_length(out) == 0)
		c->out_since = now_s();
	evbuffer_add(out, line, len);
	evbuffer_add(out, "\n", 1);
}

/* Sends one error line, then closes once it is flushed. */
static void client_fail(struct control_client *c, int code, const char *msg)
{
	char line[512];
	int n = snprintf(line, sizeof(line),
			 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,\"message\":\"%s\"}}",
			 code, msg);
	client_write(c, line, (size_t)n);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

static const struct timeval now_tv = { 0, 0 };

/* One request per client per turn of the loop: a client that sends many
 * heavy requests at once (pages of results) does not hold up the others;
 * its next one runs on the next turn, after whatever else is ready. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct control_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = c->ctl->o.max_line, rest;
	char msg[96];

	for (bool one = false; !c->closing && !one;) {
		size_t len;
		char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (!line)
			break;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len > max) { /* a whole line just over the limit: refused like a longer one */
			free(line);
			snprintf(msg, sizeof(msg), "request line exceeds %zu bytes ([daemon] max_line)", max);
			client_fail(c, -32600, msg);
			break;
		}
		c->last_request = now_s();
		one = len > 0;
		if (len) {
			char *resp = c->ctl->handler(c->ctl->ctx, c, line, len);
			if (resp)
				client_write(c, resp, strlen(resp));
			free(resp);
		}
		free(line);
	}
	rest = evbuffer_get_length(in);
	if (!c->closing && rest > max) {
		snprintf(msg, sizeof(msg), "request line exceeds %zu bytes ([daemon] max_line)", max);
		client_fail(c, -32600, msg);
	}
	c->in_since = rest ? (c->in_since ? c->in_since : now_s()) : 0;
	if (c->drop)
		client_free(c);
	else if (!c->closing && evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF).pos >= 0)
		event_add(c->more_ev, &now_tv);
}

static void on_more(evutil_socket_t fd, short what, void *arg)
{
	struct control_client *c = arg;
	(void)fd;
	(void)what;
	on_read(c->bev, c);
}

/* Output down to DRAIN_LOW (the write watermark): more for a stream; all
 * of it written: a closing client goes. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct control_client *c = arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		c->out_since = 0;
		if (c->closing) {
			client_free(c);
			return;
		}
	}
	if (!c->closing && c->ctl->o.drained)
		c->ctl->o.drained(c->ctl->ctx, c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(arg);
}

/* Root, our own uid, or a member of the configured group may connect. */
static bool peer_allowed(const struct control *ctl, const struct control_client *c)
{
	char path[64], line[1024];
	bool ok = false;
	if (c->uid == 0 || c->uid == geteuid())
		return true;
	if (!ctl->has_gid)
		return false;
	if (c->gid == ctl->gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
	FILE *f = fopen(path, "re");
	while (f && !ok && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (char *t = strtok(line + 7, " \t\n"); t && !ok; t = strtok(NULL, " \t\n"))
			ok = (gid_t)strtoul(t, NULL, 10) == ctl->gid;
	}
	if (f)
		fclose(f);
	return ok;
}

static unsigned clients_of(const struct control *ctl, uid_t uid)
{
	unsigned n = 0;
	for (const struct control_client *c = ctl->clients; c; c = c->next)
		n += c->uid == uid && !c->closing;
	return n;
}

static void client_new(struct control *ctl, int fd)
{
	struct control_client *c = calloc(1, sizeof(*c));
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char msg[300];

	if (!c || !(c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		free(c);
		close(fd);
		return;
	}
	if (!(c->more_ev = evtimer_new(ctl->base, on_more, c))) {
		bufferevent_free(c->bev);
		free(c);
		return;
	}
	c->ctl = ctl;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
	} else {
		c->uid = (uid_t)-1;
	}
	c->last_request = now_s();
	c->next = ctl->clients;
	if (c->next)
		c->next->prev = c;
	ctl->clients = c;
	ctl->n++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, DRAIN_LOW, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, ctl->o.max_line + 2);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (ctl->n > ctl->o.max_clients) {
		snprintf(msg, sizeof(msg), "too many clients (%u, [daemon] max_clients); try again later",
			 ctl->o.max_clients);
		client_fail(c, -32001, msg);
	} else if (clients_of(ctl, c->uid) > ctl->o.max_clients_per_uid) {
		snprintf(msg, sizeof(msg), "too many connections from uid %u (%u, [daemon] max_clients_per_uid); close some",
			 (unsigned)c->uid, ctl->o.max_clients_per_uid);
		client_fail(c, -32001, msg);
	} else if (!peer_allowed(ctl, c)) {
		snprintf(msg, sizeof(msg),
			 "permission denied: uid %u is not root and not in group %s; add the user to the group (usermod -aG %s USER)",
			 (unsigned)c->uid, ctl->o.group && *ctl->o.group ? ctl->o.group : "(none configured)",
			 ctl->o.group && *ctl->o.group ? ctl->o.group : "GROUP");
		client_fail(c, -32003, msg);
	}
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	(void)what;
	for (int i = 0; i < 64; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c >= 0) {
			client_new(ctl, c);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE) {
			struct timeval one = { 1, 0 };
			log_warn("control: out of file descriptors (%s); pausing accept for 1 s",
				 strerror(errno));
			event_del(ctl->accept_ev);
			event_add(ctl->backoff_ev, &one);
		}
		return; /* EAGAIN, ECONNABORTED, ... */
	}
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	(void)fd;
	(void)what;
	event_add(ctl->accept_ev, NULL);
}

/* Drops clients stalled mid-line or not reading for idle_timeout_s; closes
 * (with a last error line) those that sent nothing for that long and are not
 * subscribed to events, so idle connections cannot take every slot. */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	time_t now = now_s(), t = ctl->o.idle_timeout_s;
	char msg[160];
	(void)fd;
	(void)what;
	for (struct control_client *c = ctl->clients, *next; c; c = next) {
		next = c->next;
		bool stalled_in = c->in_since && now - c->in_since >= t;
		bool stalled_out = c->out_since && now - c->out_since >= t;
		if (c->drop || stalled_in || stalled_out) {
			if (!c->drop)
				log_warn("control: dropping client pid %d: %s for %ld s", (int)c->pid,
					 stalled_in ? "half a request line" : "unread replies", (long)t);
			client_free(c);
		} else if (!c->subscribed && !c->closing && now - c->last_request >= t) {
			snprintf(msg, sizeof(msg), "idle for %ld s ([daemon] client_timeout_s); closing, reconnect to send more",
				 (long)t);
			client_fail(c, -32001, msg);
		}
	}
}

static int listen_socket(struct control *ctl, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(ctl->o.path) >= sizeof(sa.sun_path))
		return snprintf(err, errlen, "socket path %s is too long (max %zu)", ctl->o.path,
				sizeof(sa.sun_path) - 1), -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl->o.path);
	snprintf(dir, sizeof(dir), "%s", ctl->o.path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return snprintf(err, errlen, "another scand is listening on %s; stop it first", sa.sun_path),
		       -EADDRINUSE;
	}
	unlink(sa.sun_path); /* stale socket from a dead daemon */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0 ||
	    chmod(sa.sun_path, 0660) < 0 ||
	    (ctl->has_gid && chown(sa.sun_path, (uid_t)-1, ctl->gid) < 0)) {
		int e = errno;
		close(fd);
		return snprintf(err, errlen, "cannot listen on %s: %s (check [daemon] socket and that its directory is writable)",
				sa.sun_path, strerror(e)), -e;
	}
	ctl->own_path = true;
	return fd;
}

/* A socket passed by systemd may be bound elsewhere than [daemon] socket says. */
static void name_passed_socket(struct control *ctl, int fd)
{
	struct sockaddr_un sa = { 0 };
	socklen_t len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 && sa.sun_family == AF_UNIX && sa.sun_path[0])
		snprintf(ctl->path, sizeof(ctl->path), "%.*s", (int)sizeof(sa.sun_path), sa.sun_path);
	ctl->passed = true;
}

struct control *control_new(struct event_base *base, const struct control_opts *o,
			    control_handler h, void *ctx, char *err, size_t errlen)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct timeval sec = { 1, 0 };
	if (!ctl)
		return snprintf(err, errlen, "out of memory"), NULL;
	ctl->base = base;
	ctl->o = *o;
	ctl->handler = h;
	ctl->ctx = ctx;
	snprintf(ctl->path, sizeof(ctl->path), "%s", o->path);
	ctl->o.path = ctl->path;
	if (!ctl->o.max_line)
		ctl->o.max_line = 1u << 20;
	if (!ctl->o.idle_timeout_s)
		ctl->o.idle_timeout_s = 30;
	if (!ctl->o.max_clients_per_uid)
		ctl->o.max_clients_per_uid = ctl->o.max_clients;
	if (o->group && *o->group) {
		struct group *g = getgrnam(o->group);
		if (!g) {
			snprintf(err, errlen, "socket group \"%s\" does not exist: create it (groupadd %s) or change [daemon] socket_group",
				 o->group, o->group);
			free(ctl);
			return NULL;
		}
		ctl->gid = g->gr_gid;
		ctl->has_gid = true;
	}
	if (o->listen_fd >= 0)
		name_passed_socket(ctl, o->listen_fd);
	ctl->fd = o->listen_fd >= 0 ? o->listen_fd : listen_socket(ctl, err, errlen);
	if (ctl->fd < 0) {
		free(ctl);
		return NULL;
	}
	evutil_make_socket_nonblocking(ctl->fd);
	ctl->accept_ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST, on_accept, ctl);
	ctl->backoff_ev = evtimer_new(base, on_backoff, ctl);
	ctl->sweep_ev = event_new(base, -1, EV_PERSIST, on_sweep, ctl);
	event_add(ctl->accept_ev, NULL);
	event_add(ctl->sweep_ev, &sec);
	return ctl;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	event_free(ctl->accept_ev);
	event_free(ctl->backoff_ev);
	event_free(ctl->sweep_ev);
	close(ctl->fd);
	if (ctl->own_path)
		unlink(ctl->path);
	free(ctl);
}

const char *control_path(const struct control *ctl, bool *passed)
{
	*passed = ctl->passed;
	return ctl->path;
}

unsigned control_nclients(const struct control *ctl)
{
	return ctl->n;
}

bool control_client_trusted(const struct control_client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

uid_t control_client_uid(const struct control_client *c)
{
	return c->uid;
}

bool control_client_read_only(const struct control_client *c)
{
	return c->ctl->o.read_only;
}

void control_client_subscribe(struct control_client *c, const char *job_id)
{
	c->subscribed = true;
	snprintf(c->sub_job, sizeof(c->sub_job), "%s", job_id ? job_id : "");
}

void control_notify(struct control *ctl, const char *job_id, const char *line)
{
	for (struct control_client *c = ctl->clients; c; c = c->next)
		if (c->subscribed && (!c->sub_job[0] || (job_id && !strcmp(job_id, c->sub_job))))
			client_write(c, line, strlen(line));
}

void control_client_set_data(struct control_client *c, void *data, void (*free_fn)(void *))
{
	if (c->data_free && c->data != data)
		c->data_free(c->data);
	c->data = data;
	c->data_free = free_fn;
}

void *control_client_data(const struct control_client *c)
{
	return c->data;
}

size_t control_client_pending(const struct control_client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

void control_client_send(struct control_client *c, const char *line)
{
	client_write(c, line, strlen(line));
}

void control_foreach(struct control *ctl, void (*fn)(struct control_client *c, void *arg), void *arg)
{
	for (struct control_client *c = ctl->clients; c; c = c->next)
		if (!c->closing)
			fn(c, arg);
}
