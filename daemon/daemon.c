/* Daemon lifecycle: opening every configured NIC's engine and its queue
 * workers, the libevent timers (results drain, tick) and signals, shutdown. */
#include "daemon.h"
#include "control.h"
#include "jobs.h"
#include "log.h"
#include "netinfo.h"
#include "notify.h"
#include "rpc.h"
#include "statefile.h"
#include "telemetry.h"
#include "threadplan.h"
#include "worker.h"
#include "../engines/dpdk_diag.h"
#include "scand-config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>
#if HAVE_NUMA
#include <numa.h>
#endif

double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void iso8601_ms(uint64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

double daemon_uptime(const struct daemon *d)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - d->started.tv_sec) +
	       (double)(ts.tv_nsec - d->started.tv_nsec) / 1e9;
}

struct nic *daemon_find_nic(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < d->nnics; i++)
		if (strcmp(d->nics[i].conf.name, name) == 0)
			return &d->nics[i];
	return NULL;
}

/* Source address per family: [nic] source_ip, else [scan] source_ip, else
 * the interface's own first address. */
static void nic_sources(const struct daemon *d, struct nic *n)
{
	const struct ipaddr *cands[] = { n->conf.has_source_ip ? &n->conf.source_ip : NULL,
					 d->cfg.has_source_ip ? &d->cfg.source_ip : NULL };
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
		if (!cands[i])
			continue;
		if (cands[i]->af == AF_INET && !n->src4.af)
			n->src4 = *cands[i];
		if (cands[i]->af == AF_INET6 && !n->src6.af)
			n->src6 = *cands[i];
	}
	if (n->conf.engine == ENGINE_NULL)
		return;
	if (!n->src4.af)
		netinfo_iface_addr(n->conf.name, AF_INET, &n->src4);
	if (!n->src6.af)
		netinfo_iface_addr(n->conf.name, AF_INET6, &n->src6);
}

static int nic_open(struct daemon *d, struct nic *n)
{
	const struct engine_ops *ops = engine_lookup(n->conf.engine);
	struct errbuf e = { { 0 } };
	int r;

	if (!ops)
		return snprintf(n->error, sizeof(n->error),
				"engine %s is not compiled into this scand; rebuild with -D%s=enabled or pick another engine",
				engine_kind_name(n->conf.engine), engine_kind_name(n->conf.engine)),
		       -ENOTSUP;
	memset(&n->eng, 0, sizeof(n->eng));
	n->eng.ops = ops;
	if ((r = ops->open(&n->eng, &n->conf, &e)) < 0)
		return snprintf(n->error, sizeof(n->error), "%s", e.msg), r;
	nic_sources(d, n);
	n->nworkers = n->eng.nqueues;
	n->workers = calloc(n->nworkers, sizeof(*n->workers));
	for (unsigned q = 0; n->workers && q < n->nworkers; q++) {
		if ((r = worker_start(&n->workers[q], n, q, q < PLAN_MAX_QUEUES ? n->cores[q] : -1)) < 0) {
			for (unsigned k = 0; k < q; k++)
				worker_stop(&n->workers[k]);
			break;
		}
	}
	if (!n->workers || r < 0) {
		free(n->workers);
		n->workers = NULL;
		ops->close(&n->eng);
		return snprintf(n->error, sizeof(n->error), "cannot start queue workers"), -ENOMEM;
	}
	n->up = true;
	n->error[0] = '\0';
	log_info("%s: %s engine up, mode %s, %u queue(s)%s%s", n->conf.name, ops->name,
		 n->eng.mode, n->eng.nqueues, n->eng.notes[0] ? "; " : "", n->eng.notes);
	return 0;
}

static void nic_close(struct nic *n)
{
	if (!n->up)
		return;
	for (unsigned q = 0; q < n->nworkers; q++)
		worker_stop(&n->workers[q]);
	free(n->workers);
	n->workers = NULL;
	n->eng.ops->close(&n->eng);
	n->up = false;
}

/* Decides queue counts (where the config says 0) and worker cores for every
 * NIC from the cores, their NUMA nodes and the NICs' nodes. */
static void daemon_plan(struct daemon *d)
{
	int core_node[4096];
	struct plan_nic pn[CONFIG_MAX_NICS];
	struct plan_out out[CONFIG_MAX_NICS];
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned ncores = n < 1 ? 1 : (unsigned)MIN(n, 4096L);

	for (unsigned c = 0; c < ncores; c++)
		core_node[c] = 0;
#if HAVE_NUMA
	for (unsigned c = 0; numa_available() >= 0 && c < ncores; c++)
		core_node[c] = MAX(numa_node_of_cpu((int)c), 0);
#endif
	for (unsigned i = 0; i < d->nnics; i++) {
		const struct nic_config *c = &d->nics[i].conf;
		bool real = c->engine != ENGINE_NULL;
		pn[i] = (struct plan_nic){ .node = real ? netinfo_numa_node(c->name) : 0,
					   .configured = c->queues,
					   .hw_queues = real ? (unsigned)netinfo_rx_queues(c->name) : 1 };
		if (c->engine == ENGINE_DPDK) /* no kernel interface: the device's node; queues clamped at open */
			pn[i] = (struct plan_nic){ .node = dpdk_port_numa_node(&(struct dpdk_env){ "", "" }, c->dpdk_port),
						   .configured = c->queues ? c->queues : 1 };
	}
	unsigned total = threadplan(core_node, ncores, pn, d->nnics, out);
	for (unsigned i = 0; i < d->nnics; i++) {
		struct nic *nic = &d->nics[i];
		if (!nic->conf.queues)
			nic->conf.queues = out[i].queues;
		memcpy(nic->cores, out[i].core, sizeof(nic->cores));
		if (out[i].oversubscribed)
			log_warn("%s: %u queue workers share cores (%u workers on %u cores); fewer queues avoid busy threads fighting for cores",
				 nic->conf.name, out[i].queues, total, ncores);
	}
}

/* Process-wide engine setup (DPDK's EAL) for the engines some NIC uses; a
 * failure is kept by the engine and reported by each of its NICs' open(). */
static void daemon_engines_init(struct daemon *d)
{
	for (unsigned i = 0; i < d->nnics; i++) {
		enum engine_kind k = d->nics[i].conf.engine;
		const struct engine_ops *ops = engine_lookup(k);
		struct errbuf e = { { 0 } };
		if (!ops || !ops->global_init || (d->engines_init & (1u << k)))
			continue;
		d->engines_init |= 1u << k;
		if (ops->global_init(&d->cfg, &e) < 0)
			log_error("%s engine: %s", ops->name, e.msg);
	}
}

static void daemon_engines_fini(struct daemon *d)
{
	for (unsigned k = 0; k <= ENGINE_NULL; k++) {
		const struct engine_ops *ops = engine_lookup((enum engine_kind)k);
		if ((d->engines_init & (1u << k)) && ops && ops->global_fini)
			ops->global_fini();
	}
	d->engines_init = 0;
}

/* Opens every NIC that is not up; a failure marks that NIC, not the daemon. */
void daemon_open_nics(struct daemon *d)
{
	if (!d->nnics) {
		d->nnics = d->cfg.nnics;
		for (unsigned i = 0; i < d->nnics; i++)
			d->nics[i].conf = d->cfg.nics[i];
		daemon_engines_init(d);
		daemon_plan(d);
	}
	for (unsigned i = 0; i < d->nnics; i++) {
		struct nic *n = &d->nics[i];
		if (!n->up && nic_open(d, n) < 0)
			log_error("%s: %s", n->conf.name, n->error);
	}
}

void daemon_close_nics(struct daemon *d)
{
	for (unsigned i = 0; i < d->nnics; i++)
		nic_close(&d->nics[i]);
}

/* A NIC whose interface disappeared (deleted, renamed, re-created with a new
 * index) is closed and marked failed; SIGHUP or daemon.reload re-opens it. */
static void daemon_check_nics(struct daemon *d)
{
	for (unsigned i = 0; i < d->nnics; i++) {
		struct nic *n = &d->nics[i];
		char why[300];
		if (!n->up || n->conf.engine == ENGINE_NULL ||
		    (int)if_nametoindex(n->conf.name) == n->eng.ifindex)
			continue;
		snprintf(why, sizeof(why),
			 "%s: the interface disappeared (deleted or re-created); when it is back: systemctl reload scand (SIGHUP) or daemon.reload",
			 n->conf.name);
		jobs_nic_lost(d->jobs, n, why);
		nic_close(n);
		snprintf(n->error, sizeof(n->error), "%s", why);
		log_error("%s", why);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	double now = mono_now();
	char status[512];
	(void)fd;
	(void)what;
	daemon_check_nics(d);
	telemetry_tick(d, d->last_tick ? now - d->last_tick : 0);
	d->last_tick = now;
	jobs_tick(d->jobs);
	int r = telemetry_write_prometheus(d);
	if (r < 0 && r != d->prom_error)
		log_errno(r, "cannot write %s ([daemon] prometheus_textfile)", d->cfg.prometheus_textfile);
	d->prom_error = r;
	telemetry_status_line(d, status, sizeof(status));
	notify_status(status);
	notify_watchdog();
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	jobs_drain(d->jobs);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;
	if (sig == SIGHUP) {
		notify_reloading();
		log_info("SIGHUP: re-opening failed NICs");
		daemon_open_nics(d);
		notify_ready("reloaded");
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	d->stopping = true;
	event_base_loopbreak(d->base);
}

static int daemon_listen(struct daemon *d)
{
	struct control_opts o = {
		.path = d->cfg.socket,
		.group = d->cfg.socket_group,
		.listen_fd = notify_listen_fd(),
		.max_clients = d->cfg.max_clients,
		.max_line = d->cfg.max_line,
		.idle_timeout_s = d->cfg.client_timeout_s,
	};
	char err[512] = "";
	d->ctl = control_new(d->base, &o, rpc_handle, d, err, sizeof(err));
	if (!d->ctl)
		return log_error("%s", err), -EADDRNOTAVAIL;
	if (!d->cfg.telemetry_socket[0])
		return 0;
	o.path = d->cfg.telemetry_socket; /* monitoring agents: no job.submit/cancel/rate.set */
	o.group = d->cfg.telemetry_group;
	o.listen_fd = -1;
	o.read_only = true;
	d->ro_ctl = control_new(d->base, &o, rpc_handle, d, err, sizeof(err));
	if (!d->ro_ctl)
		return log_error("[daemon] telemetry_socket: %s", err), -EADDRNOTAVAIL;
	return 0;
}

static int daemon_events(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct timeval drain = { 0, 20000 };
	struct timeval tick = { d->cfg.tick_ms / 1000, (d->cfg.tick_ms % 1000) * 1000 };

	d->drain_ev = event_new(d->base, -1, EV_PERSIST, on_drain, d);
	d->tick_ev = event_new(d->base, -1, EV_PERSIST, on_tick, d);
	if (!d->drain_ev || !d->tick_ev)
		return -ENOMEM;
	event_add(d->drain_ev, &drain);
	event_add(d->tick_ev, &tick);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->sig_ev[i] || evsignal_add(d->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	if (d->jobs)
		jobs_shutdown(d->jobs);
	daemon_close_nics(d);
	daemon_engines_fini(d);
	jobs_free(d->jobs);
	d->jobs = NULL;
	if (d->ctl)
		control_free(d->ctl);
	if (d->ro_ctl)
		control_free(d->ro_ctl);
	d->ctl = d->ro_ctl = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(d->sig_ev); i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->tick_ev)
		event_free(d->tick_ev);
	if (d->drain_ev)
		event_free(d->drain_ev);
	event_base_free(d->base);
	d->base = NULL;
}

int daemon_run(struct daemon *d)
{
	char jobs_dir[600], status[512];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &d->started);
	snprintf(jobs_dir, sizeof(jobs_dir), "%s/jobs", d->cfg.state_dir);
	if ((r = statefile_mkdirs(jobs_dir, 0750)) < 0)
		return log_errno(r, "cannot create %s (set [daemon] state_dir to a writable directory)",
				 jobs_dir), 1;
	if (!(d->base = event_base_new()) || !(d->jobs = jobs_new(d)))
		return log_error("out of memory"), 1;
	daemon_open_nics(d);
	r = daemon_listen(d);
	if (r == 0)
		r = daemon_events(d);
	if (r == 0 && (r = jobs_load(d->jobs)) < 0)
		log_errno(r, "cannot read %s; continuing without old jobs", jobs_dir);
	if (d->ctl && d->tick_ev) {
		telemetry_status_line(d, status, sizeof(status));
		notify_ready(status);
		bool passed;
		const char *path = control_path(d->ctl, &passed);
		log_info("scand %s ready on %s%s (%u NIC(s))", SCAND_VERSION, path,
			 passed ? " (socket from systemd)" : "", d->nnics);
		event_base_dispatch(d->base);
		notify_stopping();
	}
	daemon_teardown(d);
	return d->stopping ? 0 : 1;
}
