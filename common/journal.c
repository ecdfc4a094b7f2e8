/* journald native protocol (see journal.h): one datagram of fields per log
 * line, to the socket journald listens on. Stateless: a socket per message
 * (log lines are rare, never per packet), so any thread may call it. */
#include "journal.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct entry {
	char buf[4096];
	size_t len;
	int overflow;
};

static void put(struct entry *e, const void *p, size_t n)
{
	if (e->overflow || n > sizeof(e->buf) - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

/* FIELD=value\n, or the binary form (FIELD\n, 64-bit LE length, value, \n)
 * when the value holds a newline. */
static void field(struct entry *e, const char *name, const char *value)
{
	size_t n = strlen(value);

	put(e, name, strlen(name));
	if (!memchr(value, '\n', n)) {
		put(e, "=", 1);
	} else {
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)((uint64_t)n >> (8 * i));
		put(e, "\n", 1);
		put(e, le, sizeof(le));
	}
	put(e, value, n);
	put(e, "\n", 1);
}

size_t journal_job_id(const char *message, char *id, size_t size)
{
	size_t n = 0;

	if (strncmp(message, "job ", 4) != 0 || size < 2)
		return 0;
	message += 4;
	while (isalnum((unsigned char)message[n]) || message[n] == '-' || message[n] == '_')
		n++;
	if (n == 0 || n >= size || (message[n] && message[n] != ' ' && message[n] != ':'))
		return 0;
	memcpy(id, message, n);
	id[n] = '\0';
	return n;
}

int journal_is_stderr(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!s || sscanf(s, "%llu:%llu%n", &dev, &ino, &end) != 2 || s[end] != '\0')
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int journal_send(const char *socket_path, int priority, const char *message)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct entry e = { .len = 0 };
	char prio[4], job[32];
	int fd, r = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	snprintf(prio, sizeof(prio), "%d", priority & 7);
	field(&e, "PRIORITY", prio);
	field(&e, "SYSLOG_IDENTIFIER", "scand");
	field(&e, "MESSAGE", message);
	if (journal_job_id(message, job, sizeof(job)))
		field(&e, "JOB_ID", job);
	if (e.overflow)
		return -EMSGSIZE;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, e.buf, e.len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}
