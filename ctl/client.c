/* scanctl transport (see client.h). */
#include "client.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_RESPONSE (64u << 20)

void client_connect(struct client *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	signal(SIGPIPE, SIG_IGN);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd >= 0 && connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return;
	int e = errno;
	fprintf(stderr, "scanctl: cannot reach scand at %s: %s — %s\n", c->path, strerror(e),
		e == EACCES ? "are you in the scand group? (or use sudo)"
			    : "is scand running? systemctl status scand");
	exit(EXIT_UNREACHABLE);
}

static char *read_line(struct client *c)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		ssize_t n = read(c->fd, buf + len, cap - len - 1);
		if (n <= 0) {
			fprintf(stderr, "scanctl: scand closed the connection%s%s\n", n < 0 ? ": " : "",
				n < 0 ? strerror(errno) : "");
			exit(EXIT_UNREACHABLE);
		}
		len += (size_t)n;
		buf[len] = '\0';
		char *nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return buf;
		}
		if (len + 1 == cap) {
			if (cap >= MAX_RESPONSE)
				break;
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
	}
	fprintf(stderr, "scanctl: response too large\n");
	exit(EXIT_DAEMON_ERROR);
}

static void print_error(const cJSON *err)
{
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
	cJSON *req = cJSON_CreateObject(), *resp, *res;
	char *line, *text;
	if (c->fd <= 0)
		client_connect(c);
	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(req, "id", ++c->next_id);
	cJSON_AddStringToObject(req, "method", method);
	if (params)
		cJSON_AddItemToObject(req, "params", params);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	size_t len = strlen(text), off = 0;
	text[len++] = '\n'; /* replaces the NUL; we send len bytes */
	while (off < len) {
		ssize_t n = write(c->fd, text + off, len - off);
		if (n < 0 && errno == EPIPE)
			break; /* scand refused us and closed: its error line is waiting */
		if (n <= 0) {
			fprintf(stderr, "scanctl: write to scand failed: %s\n", strerror(errno));
			exit(EXIT_UNREACHABLE);
		}
		off += (size_t)n;
	}
	free(text);
	line = read_line(c);
	resp = cJSON_Parse(line);
	free(line);
	if (!resp) {
		fprintf(stderr, "scanctl: scand sent an unreadable reply\n");
		exit(EXIT_DAEMON_ERROR);
	}
	if ((res = cJSON_DetachItemFromObjectCaseSensitive(resp, "result"))) {
		cJSON_Delete(resp);
		return res;
	}
	print_error(cJSON_GetObjectItemCaseSensitive(resp, "error"));
	cJSON_Delete(resp);
	exit(EXIT_DAEMON_ERROR);
}
