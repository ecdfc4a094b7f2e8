/* The daemon context passed explicitly everywhere (no globals): config,
 * opened NICs with their queue workers, the job manager and the control socket. */
#pragma once
#include "config.h"
#include "ena.h"
#include "scan/blocklist.h"
#include "../engines/engine.h"
#include <event2/event.h>
#include <time.h>

struct worker;
struct jobs;
struct control;

struct nic {
	struct nic_config conf;
	struct engine eng;
	bool up;
	char error[512];	 /* why the NIC is failed; fix included */
	struct ipaddr src4, src6; /* resolved source addresses (af 0 when none) */
	unsigned nworkers;
	struct worker *workers;	 /* one per engine queue */
	int cores[64];		 /* core each queue worker is pinned to (threadplan.c) */
	/* telemetry (telemetry.c), main thread only */
	struct ena ena;
	int ena_error;		/* last ena_read() result */
	uint64_t last_tx, last_rx, last_tx_full;
	double tx_pps, rx_pps;
	uint64_t tx_full_delta; /* ring-full events in the last tick */
	double busy_max;	/* busiest worker's busy ratio in the last tick */
	double busy[ENGINE_MAX_QUEUES];
	uint64_t last_busy_ns[ENGINE_MAX_QUEUES], last_total_ns[ENGINE_MAX_QUEUES];
};

struct daemon {
	struct config cfg;
	const char *config_path;
	struct event_base *base;
	struct control *ctl;
	struct control *ro_ctl; /* read-only telemetry socket, or NULL */
	struct event *tick_ev, *drain_ev, *sig_ev[4];
	struct cidr_list blocklist, allow;
	unsigned nnics;
	struct nic nics[CONFIG_MAX_NICS];
	struct jobs *jobs;
	struct timespec started; /* CLOCK_MONOTONIC */
	double last_tick;
	int prom_error; /* last Prometheus write result, to log changes only */
	bool stopping;
	unsigned engines_init; /* bit per engine_kind whose global_init ran */
};

void daemon_open_nics(struct daemon *d);
void daemon_close_nics(struct daemon *d);
/* Runs the daemon until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(struct daemon *d);

struct nic *daemon_find_nic(struct daemon *d, const char *name);
double daemon_uptime(const struct daemon *d);
/* Monotonic seconds. */
double mono_now(void);
/* RFC 3339 UTC with milliseconds for a CLOCK_REALTIME ms timestamp. */
void iso8601_ms(uint64_t ms, char *buf, size_t len);
uint64_t realtime_ms(void);
