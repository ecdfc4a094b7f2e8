/* NICs (see nic.h): engine open/close with its queue workers, worker
 * placement (threadplan.c), source addresses, presence checks. */
#include "nic.h"
#include "registry.h"
#include "log.h"
#include "netinfo.h"
#include "scand-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#if HAVE_NUMA
#include <numa.h>
#endif

struct nic *nics_find(struct nics *ns, const char *name)
{
	for (unsigned i = 0; i < ns->n; i++)
		if (strcmp(ns->nic[i].conf.name, name) == 0)
			return &ns->nic[i];
	return NULL;
}

/* Source address per family: [nic] source_ip, else [scan] source_ip, else
 * the interface's own first address. */
static void nic_sources(const struct config *cfg, struct nic *n)
{
	const struct ipaddr *cands[] = { n->conf.has_source_ip ? &n->conf.source_ip : NULL,
					 cfg->has_source_ip ? &cfg->source_ip : NULL };
	memset(&n->src4, 0, sizeof(n->src4));
	memset(&n->src6, 0, sizeof(n->src6));
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

static int start_workers(struct nic *n)
{
	int r = 0;
	n->nworkers = n->eng.nqueues;
	n->workers = calloc(n->nworkers, sizeof(*n->workers));
	for (unsigned q = 0; n->workers && q < n->nworkers; q++) {
		int core = q < PLAN_MAX_QUEUES ? n->cores[q] : -1;
		if ((r = worker_start(&n->workers[q], &n->eng, q, core, n->conf.name)) < 0) {
			for (unsigned k = 0; k < q; k++)
				worker_stop(&n->workers[k]);
			break;
		}
	}
	if (n->workers && r == 0)
		return 0;
	free(n->workers);
	n->workers = NULL;
	return -ENOMEM;
}

static int nic_open(const struct config *cfg, struct nic *n)
{
	const struct engine_ops *ops = engine_lookup(n->conf.engine);
	struct engine_conf ec;
	struct errbuf e = { { 0 } };
	int r;

	if (!ops)
		return snprintf(n->error, sizeof(n->error),
				"engine %s is not compiled into this scand; rebuild with -D%s=enabled or pick another engine",
				engine_kind_name(n->conf.engine), engine_kind_name(n->conf.engine)),
		       -ENOTSUP;
	memset(&n->eng, 0, sizeof(n->eng));
	n->eng.ops = ops;
	nic_config_engine(&n->conf, &ec);
	if ((r = ops->open(&n->eng, &ec, &e)) < 0)
		return snprintf(n->error, sizeof(n->error), "%s", e.msg), r;
	nic_sources(cfg, n);
	if ((r = start_workers(n)) < 0) {
		ops->close(&n->eng);
		return snprintf(n->error, sizeof(n->error), "cannot start queue workers"), r;
	}
	n->up = true;
	n->rx_change_told = false;
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

void nic_fail(struct nic *n, const char *why)
{
	nic_close(n);
	snprintf(n->error, sizeof(n->error), "%s", why);
}

bool nic_vanished(const struct nic *n, char *why, size_t len)
{
	if (!n->up || n->conf.engine == ENGINE_NULL ||
	    (int)if_nametoindex(n->conf.name) == n->eng.ifindex)
		return false;
	snprintf(why, len,
		 "%s: the interface disappeared (deleted or re-created); when it is back: systemctl reload scand (SIGHUP) or daemon.reload",
		 n->conf.name);
	return true;
}

bool nic_rx_changed(const struct nic *n, char *why, size_t len)
{
	if (!n->up || !n->eng.ops->rx_changed || !n->eng.ops->rx_changed(&n->eng))
		return false;
	snprintf(why, len, "%s: its RX channels changed (ethtool -L): %u RX queue(s) had a socket, it has %d now",
		 n->conf.name, n->eng.nrxqueues, netinfo_rx_queues(n->conf.name));
	return true;
}

int nic_reopen(struct nic *n, const struct config *cfg)
{
	nic_close(n);
	return nic_open(cfg, n);
}

int nic_set_filter(struct nic *n, const struct rx_filter *f)
{
	if (!n->up || !n->eng.ops->set_filter)
		return 0;
	return n->eng.ops->set_filter(&n->eng, f);
}

static unsigned online_cores(int *core_node, unsigned max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned ncores = n < 1 ? 1 : (unsigned)MIN(n, (long)max);
	for (unsigned c = 0; c < ncores; c++)
		core_node[c] = 0;
#if HAVE_NUMA
	for (unsigned c = 0; numa_available() >= 0 && c < ncores; c++)
		core_node[c] = MAX(numa_node_of_cpu((int)c), 0);
#endif
	return ncores;
}

/* Decides queue counts (where the config says 0) and worker cores for every
 * NIC from the cores, their NUMA nodes and what each engine's probe() says
 * about its device. */
static void nics_plan(struct nics *ns)
{
	int core_node[4096];
	struct plan_nic pn[CONFIG_MAX_NICS];
	struct plan_out out[CONFIG_MAX_NICS];
	unsigned ncores = online_cores(core_node, ARRAY_SIZE(core_node));

	for (unsigned i = 0; i < ns->n; i++) {
		const struct nic_config *c = &ns->nic[i].conf;
		const struct engine_ops *ops = engine_lookup(c->engine);
		struct engine_caps caps = { 0, c->queues ? c->queues : 1 };
		struct engine_conf ec;
		struct errbuf e;
		nic_config_engine(c, &ec);
		if (ops && ops->probe(&ec, &caps, &e) < 0)
			log_debug("%s: %s", c->name, e.msg); /* open() reports it */
		pn[i] = (struct plan_nic){ .node = caps.numa_node, .configured = c->queues,
					   .hw_queues = caps.hw_queues };
	}
	unsigned total = threadplan(core_node, ncores, pn, ns->n, out);
	for (unsigned i = 0; i < ns->n; i++) {
		struct nic *nic = &ns->nic[i];
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
static void engines_init(struct nics *ns, const struct config *cfg)
{
	const struct engine_global g = { .eal_args = cfg->eal_args, .hugepages = cfg->hugepages };
	for (unsigned i = 0; i < ns->n; i++) {
		enum engine_kind k = ns->nic[i].conf.engine;
		const struct engine_ops *ops = engine_lookup(k);
		struct errbuf e = { { 0 } };
		if (!ops || !ops->global_init || (ns->engines_init & (1u << k)))
			continue;
		ns->engines_init |= 1u << k;
		if (ops->global_init(&g, &e) < 0)
			log_error("%s engine: %s", ops->name, e.msg);
	}
}

static void engines_fini(struct nics *ns)
{
	for (unsigned k = 0; k <= ENGINE_NULL; k++) {
		const struct engine_ops *ops = engine_lookup((enum engine_kind)k);
		if ((ns->engines_init & (1u << k)) && ops && ops->global_fini)
			ops->global_fini();
	}
	ns->engines_init = 0;
}

void nics_open(struct nics *ns, const struct config *cfg)
{
	if (!ns->n) {
		ns->n = cfg->nnics;
		for (unsigned i = 0; i < ns->n; i++) {
			ns->nic[i].index = i;
			ns->nic[i].conf = cfg->nics[i];
		}
		engines_init(ns, cfg);
		nics_plan(ns);
	}
	for (unsigned i = 0; i < ns->n; i++) {
		struct nic *n = &ns->nic[i];
		if (!n->up && nic_open(cfg, n) < 0)
			log_error("%s: %s", n->conf.name, n->error);
	}
}

void nics_close(struct nics *ns)
{
	for (unsigned i = 0; i < ns->n; i++)
		nic_close(&ns->nic[i]);
	engines_fini(ns);
}
