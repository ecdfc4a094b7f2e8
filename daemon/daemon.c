/* Daemon lifecycle: the NICs and the job manager, the libevent timers
 * (results drain, tick) and signals, the control sockets, shutdown. */
#include "daemon.h"
#include "clock.h"
#include "control.h"
#include "log.h"
#include "notify.h"
#include "report.h"
#include "results_stream.h"
#include "rpc.h"
#include "statefile.h"
#include "scand-config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* A NIC whose interface disappeared is closed and marked failed, after its
 * jobs let go of it; SIGHUP or daemon.reload re-opens it. One whose RX
 * channels changed is re-opened as soon as no job runs on it, so that every
 * RX queue has a socket again (replies on a new queue meanwhile are counted
 * rx_unserved, and the jobs running then end complete: false). */
static void daemon_check_nics(struct daemon *d)
{
	for (unsigned i = 0; i < d->nics.n; i++) {
		struct nic *n = &d->nics.nic[i];
		char why[300];
		if (nic_vanished(n, why, sizeof(why))) {
			jobs_nic_lost(d->jobs, n, why);
			nic_fail(n, why);
			log_error("%s", why);
		} else if (!nic_rx_changed(n, why, sizeof(why))) {
			continue;
		} else if (!jobs_nic_busy(d->jobs, n)) {
			log_info("%s; re-opening it", why);
			if (nic_reopen(n, &d->cfg) < 0)
				log_error("%s: %s", n->conf.name, n->error);
		} else if (!n->rx_change_told) {
			n->rx_change_told = true;
			log_warn("%s; re-opened when no job runs on it (until then replies there are lost: rx_unserved)", why);
		}
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	double now = clock_mono_s();
	char status[512];
	(void)fd;
	(void)what;
	daemon_check_nics(d);
	telemetry_tick(&d->tel, &d->nics, now - d->last_tick);
	d->last_tick = now;
	jobs_tick(d->jobs);
	jobs_disk_tick(d->jobs);
	results_stream_tick(d);
	int r = report_prometheus(d);
	if (r < 0 && r != d->prom_error)
		log_errno(r, "cannot write %s ([daemon] prometheus_textfile)", d->cfg.prometheus_textfile);
	d->prom_error = r;
	report_status_line(d, status, sizeof(status));
	notify_status(status);
	notify_watchdog();
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	jobs_disk_drain(d->jobs);
}

/* A worker finished a job part (drain now, so the job ends in milliseconds),
 * or a part's result ring passed its high-water mark (drain now, so the
 * worker sends again). */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	eventfd_t n;
	(void)what;
	if (eventfd_read(fd, &n) < 0)
		return;
	jobs_disk_drain(((struct daemon *)arg)->jobs);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;
	if (sig == SIGHUP) {
		struct reload_report rr;
		notify_reloading();
		log_info("SIGHUP: re-opening failed NICs, re-reading the blocklist and allow list");
		daemon_reload(d, &rr);
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
		.max_clients_per_uid = d->cfg.max_clients_per_uid,
		.max_line = d->cfg.max_line,
		.idle_timeout_s = d->cfg.client_timeout_s,
		.drained = results_stream_drained,
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
	if (d->wake_fd >= 0 && (d->wake_ev = event_new(d->base, d->wake_fd, EV_READ | EV_PERSIST, on_wake, d)))
		event_add(d->wake_ev, NULL);
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
	if (d->wake_ev)
		event_free(d->wake_ev); /* before core_fini closes its fd */
	daemon_core_fini(d);
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

static void daemon_serve(struct daemon *d)
{
	char status[512];
	bool passed;
	report_status_line(d, status, sizeof(status));
	notify_ready(status);
	const char *path = control_path(d->ctl, &passed);
	log_info("scand %s ready on %s%s (%u NIC(s))", SCAND_VERSION, path,
		 passed ? " (socket from systemd)" : "", d->nics.n);
	event_base_dispatch(d->base);
	notify_stopping();
}

int daemon_run(struct daemon *d)
{
	char jobs_dir[600];
	int r;

	snprintf(jobs_dir, sizeof(jobs_dir), "%s/jobs", d->cfg.state_dir);
	if ((r = statefile_mkdirs(jobs_dir, 0750)) < 0)
		return log_errno(r, "cannot create %s (set [daemon] state_dir to a writable directory)",
				 jobs_dir), 1;
	if (!(d->base = event_base_new()) || daemon_core_init(d, rpc_job_event) < 0)
		return log_error("out of memory"), 1;
	r = daemon_listen(d);
	if (r == 0)
		r = daemon_events(d);
	if (r == 0 && (r = jobs_load(d->jobs)) < 0)
		log_errno(r, "cannot read %s; continuing without old jobs", jobs_dir);
	if (d->ctl && d->tick_ev)
		daemon_serve(d);
	daemon_teardown(d);
	return d->stopping ? 0 : 1;
}
