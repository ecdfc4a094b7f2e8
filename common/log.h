/* Leveled logging to stderr. When stderr is the journal (JOURNAL_STREAM), lines
 * go to journald with fields (journal.h; <N> prefix as fallback). Never per packet. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

void log_set_level(int level); /* LOG_ERR .. LOG_DEBUG */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs "msg: strerror(-r)" at LOG_ERR and returns r (r is -errno). */
int log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last line logged at LOG_ERR or worse (whatever the level filter) and
 * its wall-clock time in ms; false when there was none. Any thread. */
bool log_last_error(char *buf, size_t len, uint64_t *at_ms);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
