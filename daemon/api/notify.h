/* systemd readiness protocol (sd_notify): READY, STATUS, WATCHDOG,
 * RELOADING, STOPPING. No-ops when not started by systemd (no NOTIFY_SOCKET). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

void notify_ready(const char *status);
void notify_status(const char *status);
void notify_watchdog(void);
void notify_reloading(void);
void notify_stopping(void);
/* Sockets passed by socket activation: first fd or -1. */
int notify_listen_fd(void);
