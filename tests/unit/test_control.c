/* Control transport: ordering, limits, stalled and non-reading clients,
 * notifications, socket mode, stale and live sockets. The server runs in
 * this process; the test pumps its event loop while acting as clients. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char dir[64], path[128];

/* Echo handler; "big" answers 512 KiB; "sub:X" subscribes to X. */
static char *handler(void *ctx, struct control_client *c, const char *line, size_t len)
{
	(void)ctx;
	if (len >= 4 && !strncmp(line, "sub:", 4)) {
		control_client_subscribe(c, line + 4);
		return strdup("subscribed");
	}
	if (len == 3 && !strncmp(line, "big", 3)) {
		char *s = malloc(512 * 1024 + 1);
		memset(s, 'x', 512 * 1024);
		s[512 * 1024] = '\0';
		return s;
	}
	char *s = malloc(len + 6);
	snprintf(s, len + 6, "echo %.*s", (int)len, line);
	return s;
}

static struct control *start_uid(struct event_base *base, unsigned max_clients, size_t max_outbuf,
				 unsigned per_uid)
{
	struct control_opts o = { .path = path, .group = "", .listen_fd = -1,
				  .max_clients = max_clients, .max_clients_per_uid = per_uid, .max_line = 1024,
				  .max_outbuf = max_outbuf, .idle_timeout_s = 1 };
	char err[256] = "";
	struct control *ctl = control_new(base, &o, handler, NULL, err, sizeof(err));
	if (!ctl)
		fail_msg("control_new: %s", err);
	return ctl;
}

static struct control *start(struct event_base *base, unsigned max_clients, size_t max_outbuf)
{
	return start_uid(base, max_clients, max_outbuf, 0);
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void pump(struct event_base *base, int ms)
{
	for (int i = 0; i < ms; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

/* Reads what the server sends within ms (pumping it); returns bytes, -1 on EOF. */
static ssize_t slurp(struct event_base *base, int fd, char *buf, size_t cap, int ms)
{
	size_t got = 0;
	for (int i = 0; i < ms; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, buf + got, cap - got - 1, 0);
		if (n == 0)
			return got ? (ssize_t)got : -1;
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
		usleep(1000);
	}
	return (ssize_t)got;
}

static bool closed_by_server(struct event_base *base, int fd, int ms)
{
	char buf[4096];
	for (int i = 0; i < ms; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		usleep(1000);
	}
	return false;
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/scand-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/control.sock", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_order_and_mode(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start(base, 8, 0);
	struct stat sb;
	char buf[4096];
	(void)st;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	int fd = dial();
	assert_int_equal(send(fd, "a\nb\r\n\nc\n", 8, 0), 8); /* pipelined, CRLF, empty line */
	slurp(base, fd, buf, sizeof(buf), 200);
	assert_string_equal(buf, "echo a\necho b\necho c\n");
	close(fd);
	control_free(ctl);
	assert_int_equal(stat(path, &sb), -1); /* socket removed */
	event_base_free(base);
}

static void test_long_line_and_max_clients(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start(base, 2, 0);
	char big[3000], buf[4096];
	(void)st;
	memset(big, 'y', sizeof(big));
	int a = dial(), b = dial();
	send(a, big, sizeof(big), 0);
	slurp(base, a, buf, sizeof(buf), 200);
	assert_non_null(strstr(buf, "\"code\":-32600"));
	assert_non_null(strstr(buf, "request line exceeds 1024 bytes"));
	assert_true(closed_by_server(base, a, 500));
	close(a);
	pump(base, 50);
	int c = dial(), d = dial(); /* b and c fit; d is one too many */
	slurp(base, d, buf, sizeof(buf), 200);
	assert_non_null(strstr(buf, "\"code\":-32001"));
	assert_true(closed_by_server(base, d, 500));
	send(b, "still\n", 6, 0);
	slurp(base, b, buf, sizeof(buf), 200);
	assert_string_equal(buf, "echo still\n");
	close(b);
	close(c);
	close(d);
	control_free(ctl);
	event_base_free(base);
}

static void test_stalled_and_non_reading_clients(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start(base, 8, 256 * 1024);
	char buf[4096];
	int rcv = 4096;
	(void)st;
	int half = dial(), deaf = dial(), good = dial();
	setsockopt(deaf, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	send(good, "sub:\n", 5, 0); /* subscribed: never closed for being idle */
	slurp(base, good, buf, sizeof(buf), 100);
	send(half, "{\"jsonrpc\":", 11, 0);
	for (int i = 0; i < 8; i++)
		send(deaf, "big\n", 4, 0); /* 4 MiB of replies it never reads */
	pump(base, 300);
	send(good, "ping\n", 5, 0);
	slurp(base, good, buf, sizeof(buf), 200);
	assert_string_equal(buf, "echo ping\n"); /* others unaffected */
	assert_true(closed_by_server(base, half, 3000)); /* dropped after the 1 s timeout */
	assert_true(control_nclients(ctl) <= 2);
	pump(base, 2500);
	assert_int_equal(control_nclients(ctl), 1); /* only `good` is left */
	send(good, "pong\n", 5, 0);
	slurp(base, good, buf, sizeof(buf), 200);
	assert_string_equal(buf, "echo pong\n");
	close(half);
	close(deaf);
	close(good);
	control_free(ctl);
	event_base_free(base);
}

static void test_notifications(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start(base, 8, 0);
	char buf[4096];
	(void)st;
	int all = dial(), one = dial(), none = dial();
	send(all, "sub:\n", 5, 0);
	send(one, "sub:j1\n", 7, 0);
	send(none, "hello\n", 6, 0);
	slurp(base, all, buf, sizeof(buf), 100);
	slurp(base, one, buf, sizeof(buf), 100);
	slurp(base, none, buf, sizeof(buf), 100);
	control_notify(ctl, "j1", "{\"n\":1}");
	control_notify(ctl, "j2", "{\"n\":2}");
	slurp(base, all, buf, sizeof(buf), 100);
	assert_string_equal(buf, "{\"n\":1}\n{\"n\":2}\n");
	slurp(base, one, buf, sizeof(buf), 100);
	assert_string_equal(buf, "{\"n\":1}\n");
	assert_int_equal(slurp(base, none, buf, sizeof(buf), 100), 0);
	close(all);
	close(one);
	close(none);
	control_free(ctl);
	event_base_free(base);
}

/* A connection that sends nothing for idle_timeout_s is closed with a last
 * -32001 line, unless it is subscribed to events. */
static void test_idle_clients(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start(base, 8, 0);
	char buf[4096];
	(void)st;
	int idle = dial(), sub = dial();
	send(sub, "sub:\n", 5, 0);
	slurp(base, idle, buf, sizeof(buf), 2500);
	assert_non_null(strstr(buf, "\"code\":-32001"));
	assert_non_null(strstr(buf, "idle for 1 s ([daemon] client_timeout_s)"));
	assert_true(closed_by_server(base, idle, 500));
	assert_int_equal(control_nclients(ctl), 1); /* the subscriber stays */
	control_notify(ctl, "j1", "{\"n\":1}");
	slurp(base, sub, buf, sizeof(buf), 100);
	assert_non_null(strstr(buf, "{\"n\":1}"));
	close(idle);
	close(sub);
	control_free(ctl);
	event_base_free(base);
}

/* One uid cannot take every slot; a line of exactly max_line + 1 bytes is
 * refused and closed like a longer one. */
static void test_per_uid_and_line_limit(void **st)
{
	struct event_base *base = event_base_new();
	struct control *ctl = start_uid(base, 8, 0, 2);
	char line[1026], buf[4096];
	(void)st;
	int a = dial(), b = dial(), c = dial();
	slurp(base, c, buf, sizeof(buf), 200);
	assert_non_null(strstr(buf, "too many connections from uid"));
	assert_non_null(strstr(buf, "[daemon] max_clients_per_uid"));
	assert_true(closed_by_server(base, c, 500));
	memset(line, 'z', 1025);
	line[1025] = '\n';
	send(a, line, sizeof(line), 0);
	slurp(base, a, buf, sizeof(buf), 300);
	assert_non_null(strstr(buf, "\"code\":-32600"));
	assert_true(closed_by_server(base, a, 500));
	memset(line, 'z', 1024); /* exactly max_line: served */
	line[1024] = '\n';
	send(b, line, 1025, 0);
	slurp(base, b, buf, sizeof(buf), 300);
	assert_true(strncmp(buf, "echo zzz", 8) == 0);
	close(a);
	close(b);
	close(c);
	control_free(ctl);
	event_base_free(base);
}

static void test_stale_and_live_socket(void **st)
{
	struct event_base *base = event_base_new();
	struct control_opts o = { .path = path, .group = "", .listen_fd = -1, .max_clients = 4,
				  .max_line = 1024, .idle_timeout_s = 1 };
	char err[256] = "";
	(void)st;
	struct control *ctl = start(base, 4, 0);
	/* a second daemon on the same path is refused */
	assert_null(control_new(base, &o, handler, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "another scand is listening on"));
	control_free(ctl);
	/* a stale socket file (nobody listening) is replaced */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	ctl = start(base, 4, 0);
	control_free(ctl);
	/* a group that does not exist is a clear error */
	o.group = "no-such-group-xyz";
	assert_null(control_new(base, &o, handler, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "socket group \"no-such-group-xyz\" does not exist"));
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_and_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_and_non_reading_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifications, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_uid_and_line_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_live_socket, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
