/* sd_notify wrappers (see notify.h); compiled to no-ops without libsystemd. */
#include "notify.h"
#include "scand-config.h"

#include <stdio.h>
#if HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#if HAVE_SYSTEMD
static void send_state(const char *fmt, const char *arg)
{
	sd_notifyf(0, fmt, arg ? arg : "");
}
#else
static void send_state(const char *fmt, const char *arg)
{
	(void)fmt;
	(void)arg;
}
#endif

void notify_ready(const char *status)
{
	send_state("READY=1\nSTATUS=%s", status);
}

void notify_status(const char *status)
{
	send_state("STATUS=%s", status);
}

void notify_watchdog(void)
{
	send_state("WATCHDOG=1%s", "");
}

void notify_reloading(void)
{
	send_state("RELOADING=1%s", "");
}

void notify_stopping(void)
{
	send_state("STOPPING=1%s", "");
}

int notify_listen_fd(void)
{
#if HAVE_SYSTEMD
	if (sd_listen_fds(1) >= 1)
		return SD_LISTEN_FDS_START;
#endif
	return -1;
}
