/* The daemon's event loop: the control sockets, the results-drain and tick
 * timers, signals and sd_notify around the context of core.h. */
#pragma once
#include "core.h"

/* Runs the daemon until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(struct daemon *d);
