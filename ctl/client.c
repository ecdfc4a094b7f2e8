/* scanctl transport (see client.h). */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE (64u << 20)

int client_open(struct client *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	signal(SIGPIPE, SIG_IGN);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	c->rlen = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd >= 0 && connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	int e = errno;
	client_close(c);
	return -e;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rlen = 0;
}

void client_free(struct client *c)
{
	client_close(c);
	free(c->rbuf);
	c->rbuf = NULL;
	c->rcap = 0;
}

void client_connect(struct client *c)
{
	int r = client_open(c);
	if (r == 0)
		return;
	fprintf(stderr, "scanctl: cannot reach scand at %s: %s — %s\n", c->path, strerror(-r),
		r == -EACCES ? "are you in the scand group? (or use sudo)"
			     : "is scand running? systemctl status scand");
	exit(EXIT_UNREACHABLE);
}

/* One line into *line (malloc'd, no '\n'); keeps what follows it. */
static int read_line(struct client *c, char **line)
{
	size_t seen = 0; /* bytes looked through already */
	for (;;) {
		char *nl = c->rbuf ? memchr(c->rbuf + seen, '\n', c->rlen - seen) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - c->rbuf);
			if (!(*line = malloc(n + 1)))
				return -ENOMEM;
			memcpy(*line, c->rbuf, n);
			(*line)[n] = '\0';
			c->rlen -= n + 1;
			memmove(c->rbuf, nl + 1, c->rlen);
			return 0;
		}
		if (c->rlen == c->rcap) {
			size_t cap = c->rcap ? c->rcap * 2 : 65536;
			char *nb = cap <= MAX_RESPONSE ? realloc(c->rbuf, cap) : NULL;
			if (!nb)
				return -EMSGSIZE;
			c->rbuf = nb;
			c->rcap = cap;
		}
		seen = c->rlen;
		ssize_t n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		c->rlen += (size_t)n;
	}
}

int client_read_msg(struct client *c, cJSON **msg)
{
	char *line;
	int r = read_line(c, &line);
	*msg = NULL;
	if (r < 0)
		return r;
	*msg = cJSON_Parse(line);
	free(line);
	return *msg ? 0 : -EBADMSG;
}

int client_read_msg_within(struct client *c, cJSON **msg, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	*msg = NULL;
	if (c->fd < 0)
		return -ENOTCONN;
	if (!(c->rbuf && memchr(c->rbuf, '\n', c->rlen)) && poll(&p, 1, timeout_ms) == 0)
		return -ETIMEDOUT;
	return client_read_msg(c, msg);
}

static int send_request(struct client *c, const char *method, cJSON *params, unsigned id)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(req, "id", id);
	cJSON_AddStringToObject(req, "method", method);
	if (params)
		cJSON_AddItemToObject(req, "params", params);
	char *text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	size_t len = strlen(text), off = 0;
	int r = 0;
	text[len++] = '\n'; /* replaces the NUL; we send len bytes */
	while (off < len) {
		ssize_t n = write(c->fd, text + off, len - off);
		if (n < 0 && errno == EPIPE)
			break; /* scand refused us and closed: its error line is waiting */
		if (n <= 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return r;
}

/* data.retry_after_ms of an error reply: scand asks to send it again (e.g.
 * a job's row index is being rebuilt); 0 when it does not. */
static unsigned retry_after_ms(const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(err, "data"),
							   "retry_after_ms");
	return cJSON_IsNumber(ms) && ms->valuedouble > 0 && ms->valuedouble < 60000 ? (unsigned)ms->valuedouble : 0;
}

int client_request(struct client *c, const char *method, cJSON *params, cJSON **reply)
{
	bool told = false;
	unsigned ms;
	int r;
	for (;;) {
		cJSON *again = params ? cJSON_Duplicate(params, true) : NULL;
		if ((r = client_request_once(c, method, params, reply)) < 0 || !(ms = retry_after_ms(*reply))) {
			cJSON_Delete(again);
			return r;
		}
		if (!told)
			client_print_error(*reply);
		told = true;
		cJSON_Delete(*reply);
		usleep(ms * 1000);
		params = again;
	}
}

int client_request_once(struct client *c, const char *method, cJSON *params, cJSON **reply)
{
	unsigned id = ++c->next_id;
	int r = c->fd >= 0 ? 0 : client_open(c);
	*reply = NULL;
	if (r < 0) {
		cJSON_Delete(params);
		return r;
	}
	if ((r = send_request(c, method, params, id)) < 0) {
		client_close(c);
		return r;
	}
	while ((r = client_read_msg(c, reply)) == 0) {
		const cJSON *rid = cJSON_GetObjectItemCaseSensitive(*reply, "id");
		if (cJSON_IsNumber(rid) ? rid->valuedouble == id : cJSON_IsNull(rid))
			return 0; /* ours, or an error about the connection itself */
		cJSON_Delete(*reply); /* a notification on a subscribed connection */
	}
	if (r != -EBADMSG)
		client_close(c);
	return r;
}

void client_print_error(const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(err, "data");
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(data, "field");
	fprintf(stderr, "scanctl: %s", cJSON_IsString(msg) ? msg->valuestring : "error");
	if (cJSON_IsString(field) && field->valuestring[0])
		fprintf(stderr, " (field: %s)", field->valuestring);
	fprintf(stderr, "\n");
}

cJSON *client_call(struct client *c, const char *method, cJSON *params)
{
	cJSON *reply, *res;
	if (c->fd < 0)
		client_connect(c);
	int r = client_request(c, method, params, &reply);
	if (r == -EBADMSG || r == -EMSGSIZE) {
		fprintf(stderr, "scanctl: scand sent an unreadable reply\n");
		exit(EXIT_DAEMON_ERROR);
	}
	if (r < 0) {
		fprintf(stderr, "scanctl: scand closed the connection%s%s\n", r == -ECONNRESET ? "" : ": ",
			r == -ECONNRESET ? "" : strerror(-r));
		exit(EXIT_UNREACHABLE);
	}
	if ((res = cJSON_DetachItemFromObjectCaseSensitive(reply, "result"))) {
		cJSON_Delete(reply);
		return res;
	}
	client_print_error(reply);
	cJSON_Delete(reply);
	exit(EXIT_DAEMON_ERROR);
}

cJSON *client_call_retry(struct client *c, const char *method, cJSON *params, double retry_s)
{
	struct timespec t0, now;
	cJSON *reply = NULL;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = client_request(c, method, cJSON_Duplicate(params, true), &reply);
		if (r == 0 || r == -EBADMSG || r == -EMSGSIZE)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec + (now.tv_nsec - t0.tv_nsec) / 1e9 >= retry_s)
			break;
		fprintf(stderr, "scanctl: %s: %s; sending it again (same client_key)\n", method,
			r == -ECONNRESET ? "connection lost before the reply" : strerror(-r));
		usleep(500000);
	}
	if (r == 0) { /* the reply goes through client_call's checks */
		cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(reply, "result");
		if (res) {
			cJSON_Delete(reply);
			cJSON_Delete(params);
			return res;
		}
		client_print_error(reply);
		exit(EXIT_DAEMON_ERROR);
	}
	cJSON_Delete(params);
	fprintf(stderr, "scanctl: cannot reach scand at %s for %.0f s: %s\n", c->path, retry_s,
		r == -ECONNRESET ? "connection lost" : strerror(-r));
	exit(r == -EBADMSG || r == -EMSGSIZE ? EXIT_DAEMON_ERROR : EXIT_UNREACHABLE);
}
