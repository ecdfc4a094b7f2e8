/* Leveled stderr logger (see log.h). The level is process-wide, set once at
 * start from the config; the last error line is kept for heartbeat. */
#include "log.h"
#include "clock.h"
#include "journal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_INFO;
static struct {
	pthread_mutex_t lock;
	char line[1024];
	uint64_t at_ms;
} last_error = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void keep_error(const char *line)
{
	pthread_mutex_lock(&last_error.lock);
	snprintf(last_error.line, sizeof(last_error.line), "%s", line);
	last_error.at_ms = clock_real_ms();
	pthread_mutex_unlock(&last_error.lock);
}

bool log_last_error(char *buf, size_t len, uint64_t *at_ms)
{
	pthread_mutex_lock(&last_error.lock);
	bool have = last_error.at_ms != 0;
	snprintf(buf, len, "%s", last_error.line);
	*at_ms = last_error.at_ms;
	pthread_mutex_unlock(&last_error.lock);
	return have;
}

void log_set_level(int level)
{
	log_level = level;
}

static void log_vmsg(int level, const char *fmt, va_list ap, int err)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	char line[1024];
	int n;

	if (level > log_level && level > LOG_ERR)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (err && n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	if (level <= LOG_ERR)
		keep_error(line);
	if (level > log_level)
		return;
	if (journal_is_stderr()) {
		/* fields such as JOB_ID; the <N> prefixed line if journald is away */
		if (journal_send(JOURNAL_SOCKET, level, line) == 0)
			return;
		fprintf(stderr, "<%d>%s\n", level, line);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld scand %s: %s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, names[level & 7], line);
	}
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap, 0);
	va_end(ap);
}

int log_errno(int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap, r < 0 ? -r : r);
	va_end(ap);
	return r;
}
