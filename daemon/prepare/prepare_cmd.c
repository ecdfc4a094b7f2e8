/* --prepare's hands: the one runner for external commands (found on PATH, so
 * tests redirect them to stubs), sysfs reads/writes under the root prefix,
 * and the found/changed/problem lines it prints and records. */
#include "prepare.h"
#include "ctlplane.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_TIMEOUT_MS 60000

extern char **environ;

bool cmd_exists(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

void cmd_format(const char *const *argv, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; argv[i] && off < len; i++) {
		bool quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"$\\") != NULL;
		off += (size_t)snprintf(buf + off, len - off, quote ? "%s'%s'" : "%s%s", i ? " " : "", argv[i]);
	}
}

/* Reads the child's output until EOF or the deadline; -ETIMEDOUT then. */
static int collect(int fd, char *out, size_t len, double deadline_ms)
{
	size_t off = 0;
	char sink[4096];
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double left = deadline_ms - ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (left <= 0)
			return -ETIMEDOUT;
		int r = poll(&pfd, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		char *dst = off + 1 < len ? out + off : sink;
		size_t room = off + 1 < len ? len - off - 1 : sizeof(sink);
		ssize_t n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (dst != sink)
			off += (size_t)n;
		out[off] = '\0';
	}
}

int cmd_run(const char *const *argv, char *out, size_t len)
{
	posix_spawn_file_actions_t fa;
	struct timespec ts;
	int pfd[2], status, r;
	pid_t pid;
	out[0] = '\0';
	if (!cmd_exists(argv[0]))
		return -ENOENT;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	r = -posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r < 0) {
		close(pfd[0]);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r = collect(pfd[0], out, len, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6 + CMD_TIMEOUT_MS);
	close(pfd[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (size_t n = strlen(out); n && (out[n - 1] == '\n' || out[n - 1] == ' ');)
		out[--n] = '\0';
	if (r < 0)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void add_line(char lines[][PREP_LINE], unsigned *n, const char *s)
{
	if (*n < PREP_LINES)
		snprintf(lines[(*n)++], PREP_LINE, "%s", s);
}

void prep_found(struct prep *p, struct prep_nic *rec, const char *fmt, ...)
{
	char line[PREP_LINE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(p->out, "%s: %s\n", rec->name, line);
	add_line(rec->found, &rec->nfound, line);
}

int prep_fail(struct prep *p, struct prep_nic *rec, int r, const char *fmt, ...)
{
	char msg[sizeof(rec->error)];
	size_t off = strlen(rec->error);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(p->err, "%s: error: %s\n", rec->name, msg);
	/* several problems on one NIC: keep them all, in order */
	snprintf(rec->error + off, sizeof(rec->error) - off, "%s%s", off ? "; " : "", msg);
	p->problems++;
	return r;
}

static void did(struct prep *p, struct prep_nic *rec, const char *what)
{
	fprintf(p->out, "%s: %s%s\n", rec->name, p->dry_run ? "would run: " : "run: ", what);
	p->changes++;
	if (!p->dry_run)
		add_line(rec->did, &rec->ndid, what);
}

int prep_run(struct prep *p, struct prep_nic *rec, const char *const *argv)
{
	char line[PREP_LINE], out[1024];
	int r;
	cmd_format(argv, line, sizeof(line));
	did(p, rec, line);
	if (p->dry_run)
		return 0;
	if ((r = cmd_run(argv, out, sizeof(out))) == 0)
		return 0;
	if (r == -ENOENT)
		return prep_fail(p, rec, r, "%s: %s is not installed", line, argv[0]);
	if (r < 0)
		return prep_fail(p, rec, r, "%s: %s", line, strerror(-r));
	return prep_fail(p, rec, -EIO, "%s failed (exit %d): %.300s", line, r, out[0] ? out : "no output");
}

int prep_read_uint(const struct prep *p, const char *rel, unsigned *v)
{
	char path[512], buf[64] = "", *end;
	snprintf(path, sizeof(path), "%s%s", p->env.root, rel);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	unsigned long x = strtoul(buf, &end, 10);
	if (!ok || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}

int prep_write(struct prep *p, struct prep_nic *rec, const char *rel, unsigned v)
{
	char path[512], line[PREP_LINE];
	snprintf(line, sizeof(line), "echo %u > %s", v, rel);
	did(p, rec, line);
	if (p->dry_run)
		return 0;
	snprintf(path, sizeof(path), "%s%s", p->env.root, rel);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return prep_fail(p, rec, -errno, "cannot open %s: %s", rel, strerror(errno));
	int n = dprintf(fd, "%u\n", v), r = n < 0 ? -errno : 0;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r < 0 ? prep_fail(p, rec, r, "%s: %s", line, strerror(-r)) : 0;
}

bool prep_exists(const struct prep *p, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", p->env.root, rel);
	return access(path, F_OK) == 0;
}

int prep_control_plane(struct prep *p, struct prep_nic *rec, const struct nic_config *nc, const char *ifname,
		       const char *consequence, const char *anyway)
{
	char why[256];
	if (!ifname[0] || !ctlplane_carries(p->env.root, ifname, why, sizeof(why)))
		return 0;
	if (nc->control_plane_ok) {
		prep_found(p, rec, "%s carries %s; control_plane_ok = true: %s", ifname, why, anyway);
		return 0;
	}
	return prep_fail(p, rec, -EPERM, "%s carries %s: %s; use another NIC or set control_plane_ok = true in [nic \"%s\"]",
			 ifname, why, consequence, nc->name);
}
