/* The daemon context passed explicitly everywhere (no globals): config,
 * blocklist, NICs, telemetry, the job manager and the control sockets; and
 * what acts on all of it at once (start, reload, stop). rpc.c and report.c
 * read it; daemon.c runs the loop around it. */
#pragma once
#include "config.h"
#include "jobs.h"
#include "nic.h"
#include "blocklist.h"
#include "telemetry.h"
#include <event2/event.h>

struct control;

struct daemon {
	struct config cfg;
	const char *config_path;
	struct event_base *base;
	struct control *ctl;
	struct control *ro_ctl; /* read-only telemetry socket, or NULL */
	struct event *tick_ev, *drain_ev, *wake_ev, *sig_ev[4];
	int wake_fd; /* eventfd: a job part has sent its last probe */
	struct cidr_list blocklist, allow;
	uint64_t lists_loaded_ms; /* when blocklist and allow were (re)loaded */
	struct nics nics;
	struct hostports ports;
	struct telemetry tel;
	struct jobs *jobs;
	double started; /* clock_mono_s() at start */
	double last_tick;
	int prom_error; /* last Prometheus write result, to log changes only */
	bool stopping;
};

/* Opens the NICs and creates the job manager, whose events go to on_event
 * (ctx d); no event loop, no sockets: daemon_run adds those, tests and the
 * fuzzer use this alone. */
int daemon_core_init(struct daemon *d, job_event_fn on_event);
/* Checkpoints running jobs, closes the NICs, frees the job manager. */
void daemon_core_fini(struct daemon *d);
/* Loads [scan] blocklist_file and allow of cfg into block and allow (both
 * initialised here; freed on error). -errno with e naming the problem. */
int daemon_load_lists(const struct config *cfg, struct cidr_list *block, struct cidr_list *allow,
		      struct errbuf *e);

struct reload_report {
	int lists;	      /* 0: blocklist and allow reloaded; -errno: the old ones kept */
	struct errbuf why;    /* why they were kept */
	unsigned affected;    /* running jobs that now skip addresses */
};
/* SIGHUP / daemon.reload: re-opens NICs that failed, re-reads blocklist_file
 * and [scan] allow from the config file (other keys need a restart), applies
 * them to every unfinished job at send time, tries held jobs again. */
void daemon_reload(struct daemon *d, struct reload_report *rr);
double daemon_uptime(const struct daemon *d);
