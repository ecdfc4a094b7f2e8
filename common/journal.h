/* journald's native protocol for log lines: structured fields (PRIORITY,
 * SYSLOG_IDENTIFIER, MESSAGE, JOB_ID) instead of a plain stderr line, used only
 * when stderr is the journal. `journalctl JOB_ID=j000001-00ff` finds a job's lines. */
#pragma once
#include <stddef.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* 1 when JOURNAL_STREAM ("DEV:INODE", set by systemd) names stderr, else 0. */
int journal_is_stderr(void);
/* Sends one entry as a datagram to socket_path: PRIORITY=priority,
 * SYSLOG_IDENTIFIER=scand, MESSAGE=message and, when message starts with
 * "job <id>", JOB_ID=<id>. Returns 0 or -errno (nothing is sent then). */
int journal_send(const char *socket_path, int priority, const char *message);
/* Copies the job id of a "job <id>[: ]..." message into id (size > 1);
 * returns its length, or 0 when the message names no job. */
size_t journal_job_id(const char *message, char *id, size_t size);
