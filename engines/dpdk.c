/* The dpdk engine: EAL initialised once per process from [dpdk] eal_args, one
 * port per [nic] (PCI device or vdev), configured like DPDK's skeleton
 * port_init and kept started from daemon start to stop; a queue pair per worker. */
#include "engine.h"
#include "dpdk_diag.h"
#include "dpdk_setup.h"
#include "hugepages.h"
#include "log.h"
#include "netinfo.h"
#include "ctlplane.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#define BURST 64
#define RX_DESC_WANT 1024
#define TX_DESC_WANT 1024
#define POOL_CACHE 256

struct dq {
	struct rte_mbuf *rx[BURST]; /* handed out by the last rx_burst */
	unsigned nrx;
	struct rte_mbuf *tx[BURST]; /* lent by tx_frames until tx_submit */
	unsigned ntx;
	struct queue_counters c; /* written by the worker */
};

struct dport {
	uint16_t port;
	struct rte_device *dev;
	bool hotplugged;    /* we probed it: remove it on close */
	bool cksum_offload; /* TX IPv4 + TCP checksums by the device */
	struct rte_mempool *mp;
	uint64_t drop_ids[2]; /* xstats rx_missed_errors, rx_mbuf_allocation_errors */
	unsigned ndrop_ids;
	struct dq q[];
};

/* EAL is process-wide by nature: initialised once, its outcome kept for every NIC. */
static struct {
	bool tried, ok;
	struct eal_argv argv;
	char error[512];
	pthread_key_t thread_key;
	FILE *log;
} eal;

static const struct dpdk_env real_env = { .root = "", .pmd_dir = RTE_EAL_PMD_PATH };

/* EAL's log lines go to scand's log. */
static ssize_t eal_log_write(void *c, const char *buf, size_t n)
{
	(void)c;
	for (size_t off = 0; off < n;) {
		size_t l = strcspn(buf + off, "\n");
		if (l > n - off)
			l = n - off;
		if (l)
			log_info("dpdk: %.*s", (int)l, buf + off);
		off += l + 1;
	}
	return (ssize_t)n;
}

static void thread_unregister(void *p)
{
	(void)p;
	rte_thread_unregister();
}

/* Workers are our own threads: register them as lcores so mempools use per-lcore caches. */
static void thread_register(void)
{
	static __thread bool done;
	if (done)
		return;
	done = true;
	if (rte_lcore_id() != LCORE_ID_ANY)
		return;
	if (rte_thread_register() == 0)
		pthread_setspecific(eal.thread_key, (void *)1);
	else
		log_warn("dpdk: cannot register a worker thread as an lcore (%s): mempools run without per-thread caches",
			 rte_strerror(rte_errno));
}

/* rte_eal_init pins the calling thread to the main lcore: give the main thread its CPUs back. */
static int eal_start(void)
{
	cpu_set_t cpus;
	bool have = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	int r = rte_eal_init(eal.argv.argc, eal.argv.argv);
	int err = rte_errno;
	if (have)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	return r < 0 ? -err : 0;
}

static int dpdk_global_init(const struct engine_global *g, struct errbuf *why)
{
	struct errbuf e = { { 0 } };
	int r;
	if (eal.tried)
		return eal.ok ? 0 : errbuf_set(why, -EIO, "%s", eal.error);
	eal.tried = true;
	if ((r = eal_argv_build(g->eal_args, &eal.argv, &e)) < 0) {
		snprintf(eal.error, sizeof(eal.error), "%s", e.msg);
		return errbuf_set(why, r, "%s", eal.error);
	}
	hugepages_eal_log(&real_env, g->hugepages, &eal.argv);
	if (eal.argv.note[0])
		log_info("dpdk: %s", eal.argv.note);
	static const cookie_io_functions_t io = { .write = eal_log_write };
	if ((eal.log = fopencookie(NULL, "w", io)) != NULL) {
		setvbuf(eal.log, NULL, _IOLBF, 0);
		rte_openlog_stream(eal.log);
	}
	pthread_key_create(&eal.thread_key, thread_unregister);
	if ((r = eal_start()) < 0) {
		if (!eal_argv_has(&eal.argv, "--no-huge") &&
		    dpdk_diag_hugepages(&real_env, eal_argv_mem_mb(&eal.argv), &e) < 0)
			snprintf(eal.error, sizeof(eal.error), "DPDK EAL: %s", e.msg);
		else
			snprintf(eal.error, sizeof(eal.error),
				 "DPDK EAL init failed (%s) with [dpdk] eal_args \"%s\"; the dpdk: lines in the log say why",
				 strerror(-r), g->eal_args);
		return errbuf_set(why, r, "%s", eal.error);
	}
	eal.ok = true;
	log_info("dpdk: EAL up (%u lcores, %u ports probed at init)", rte_lcore_count(), rte_eth_dev_count_avail());
	return 0;
}

static void dpdk_global_fini(void)
{
	if (eal.ok)
		rte_eal_cleanup();
	eal.ok = false;
	if (eal.log) {
		rte_openlog_stream(NULL);
		fclose(eal.log);
		eal.log = NULL;
	}
}

/* No kernel interface to ask: the device's NUMA node; queues are clamped at open. */
static int dpdk_probe(const struct engine_conf *conf, struct engine_caps *caps, struct errbuf *why)
{
	*caps = (struct engine_caps){ .numa_node = dpdk_port_numa_node(&real_env, conf->dpdk_port),
				      .hw_queues = conf->queues ? conf->queues : 1 };
	if (!conf->dpdk_port[0])
		return errbuf_set(why, -EINVAL,
				  "[nic \"%s\"] engine = dpdk needs dpdk_port: a PCI address (0000:00:06.0) or a vdev spec (net_af_packet0,iface=eth1)",
				  conf->name);
	if (!eal.ok)
		return errbuf_set(why, -EIO, "%s", eal.tried ? eal.error : "DPDK EAL was not initialised");
	return 0;
}

/* The interface that carries the port's traffic in the kernel, or "" (vfio-bound PCI). */
/* Finds the port for spec: probed at EAL init (PCI, --vdev) or hot-plugged now. */
static int port_find(const char *spec, struct dport *d, struct errbuf *why)
{
	char name[RTE_DEV_NAME_MAX_LEN], pci[32];
	bool is_pci = dpdk_is_pci(spec, pci, sizeof(pci));
	int r;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(spec, ","), is_pci ? pci : spec);
	if (rte_eth_dev_get_port_by_name(name, &d->port) == 0)
		return 0;
	if (is_pci && !dpdk_pci_exists(&real_env, pci))
		return dpdk_diag_pci(&real_env, pci, why);
	if (is_pci && eal_argv_has(&eal.argv, "--no-pci"))
		return errbuf_set(why, -ENODEV,
				  "dpdk_port %s is a PCI device but [dpdk] eal_args has --no-pci: remove --no-pci", spec);
	r = rte_dev_probe(is_pci ? pci : spec);
	if (r == 0 && rte_eth_dev_get_port_by_name(name, &d->port) == 0) {
		d->hotplugged = true;
		return 0;
	}
	if (r == 0) /* probed, but no ethdev port: the wrong kind of device */
		rte_eal_hotplug_remove(is_pci ? "pci" : "vdev", name);
	return is_pci ? dpdk_diag_pci(&real_env, pci, why) : dpdk_diag_vdev(&real_env, spec, r, why);
}

/* Queues, descriptors, offloads and the mempool from what the device reports. */
static int port_configure(struct engine *e, struct dport *d, const struct rte_eth_dev_info *di,
			  uint16_t *nrxd, uint16_t *ntxd, struct errbuf *why)
{
	const uint64_t ck = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	struct rte_eth_conf pc = { 0 };
	int r;
	d->cksum_offload = (di->tx_offload_capa & ck) == ck;
	if (d->cksum_offload)
		pc.txmode.offloads = ck;
	/* replies spread over every RX queue scand configures, and each has a
	 * worker: none is left unpolled */
	if (e->nqueues > 1 && di->flow_type_rss_offloads) {
		pc.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & di->flow_type_rss_offloads;
	}
	if ((r = rte_eth_dev_configure(d->port, e->nqueues, e->nqueues, &pc)) < 0)
		return errbuf_set(why, r, "%s: rte_eth_dev_configure (%u queues): %s", e->ifname, e->nqueues, strerror(-r));
	*nrxd = desc_clamp(RX_DESC_WANT, &(struct desc_lim){ di->rx_desc_lim.nb_max, di->rx_desc_lim.nb_min, di->rx_desc_lim.nb_align });
	*ntxd = desc_clamp(TX_DESC_WANT, &(struct desc_lim){ di->tx_desc_lim.nb_max, di->tx_desc_lim.nb_min, di->tx_desc_lim.nb_align });
	if ((r = rte_eth_dev_adjust_nb_rx_tx_desc(d->port, nrxd, ntxd)) < 0)
		return errbuf_set(why, r, "%s: descriptor counts: %s", e->ifname, strerror(-r));
	int socket = rte_eth_dev_socket_id(d->port);
	unsigned nmbuf = e->nqueues * (*nrxd + *ntxd + 2 * BURST + POOL_CACHE) + 1024;
	char pool[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool, sizeof(pool), "scand_p%u", d->port);
	d->mp = rte_pktmbuf_pool_create(pool, nmbuf, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					socket < 0 ? SOCKET_ID_ANY : socket);
	if (!d->mp)
		return errbuf_set(why, -rte_errno, "%s: cannot allocate %u mbufs on socket %d: %s; give DPDK more memory (-m or --socket-mem in [dpdk] eal_args)",
				  e->ifname, nmbuf, socket, rte_strerror(rte_errno));
	return 0;
}

static int port_queues(struct engine *e, struct dport *d, const struct rte_eth_dev_info *di, uint16_t nrxd,
		       uint16_t ntxd, struct errbuf *why)
{
	int socket = rte_eth_dev_socket_id(d->port), r;
	struct rte_eth_txconf txc = di->default_txconf;
	txc.offloads = d->cksum_offload ? RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM : 0;
	socket = socket < 0 ? SOCKET_ID_ANY : socket;
	for (unsigned q = 0; q < e->nqueues; q++) {
		if ((r = rte_eth_rx_queue_setup(d->port, q, nrxd, socket, NULL, d->mp)) < 0)
			return errbuf_set(why, r, "%s: RX queue %u (%u descriptors): %s", e->ifname, q, nrxd, strerror(-r));
		if ((r = rte_eth_tx_queue_setup(d->port, q, ntxd, socket, &txc)) < 0)
			return errbuf_set(why, r, "%s: TX queue %u (%u descriptors): %s", e->ifname, q, ntxd, strerror(-r));
	}
	return 0;
}

static void port_close(struct dport *d, bool started)
{
	if (started)
		rte_eth_dev_stop(d->port);
	rte_eth_dev_close(d->port);
	if (d->hotplugged && d->dev)
		rte_dev_remove(d->dev);
	rte_mempool_free(d->mp);
}

/* Link state and offloads for daemon.info's notes. */
static void port_notes(struct engine *e, struct dport *d, const struct rte_eth_dev_info *di, uint16_t nrxd,
		       uint16_t ntxd, unsigned asked)
{
	struct rte_eth_link link = { 0 };
	rte_eth_link_get_nowait(d->port, &link);
	snprintf(e->mode, sizeof(e->mode), "dpdk-%s", di->driver_name);
	snprintf(e->notes, sizeof(e->notes), "port %u, link %s%s%u Mbps, %u RX / %u TX descriptors, checksums %s%s",
		 d->port, link.link_status ? "up" : "down", link.link_status ? " " : " (last speed ", link.link_speed,
		 nrxd, ntxd, d->cksum_offload ? "offloaded" : "in software",
		 asked > e->nqueues ? "; fewer queues than configured (device maximum)" : "");
}

static const char *const drop_xstats[] = { "rx_missed_errors", "rx_mbuf_allocation_errors" };

static int port_setup(struct engine *e, const struct engine_conf *conf, struct dport *d, struct errbuf *why)
{
	struct rte_eth_dev_info di;
	struct rte_ether_addr mac;
	uint16_t nrxd, ntxd, mtu = 1500;
	unsigned asked = conf->queues ? conf->queues : 1;
	int r;
	if ((r = rte_eth_dev_info_get(d->port, &di)) < 0)
		return errbuf_set(why, r, "%s: rte_eth_dev_info_get: %s", e->ifname, strerror(-r));
	d->dev = di.device;
	e->nqueues = MIN(asked, MIN(di.max_rx_queues, di.max_tx_queues));
	e->nqueues = MIN(MAX(e->nqueues, 1u), (unsigned)ENGINE_MAX_QUEUES);
	e->nrxqueues = e->nqueues;
	if ((r = port_configure(e, d, &di, &nrxd, &ntxd, why)) < 0 || (r = port_queues(e, d, &di, nrxd, ntxd, why)) < 0)
		return r;
	if ((r = rte_eth_dev_start(d->port)) < 0)
		return errbuf_set(why, r, "%s: rte_eth_dev_start: %s", e->ifname, strerror(-r));
	rte_eth_macaddr_get(d->port, &mac);
	memcpy(e->mac, mac.addr_bytes, 6);
	rte_eth_dev_get_mtu(d->port, &mtu);
	e->mtu = mtu;
	e->numa_node = MAX(rte_eth_dev_socket_id(d->port), 0);
	for (size_t i = 0; i < ARRAY_SIZE(drop_xstats); i++)
		if (rte_eth_xstats_get_id_by_name(d->port, drop_xstats[i], &d->drop_ids[d->ndrop_ids]) == 0)
			d->ndrop_ids++;
	port_notes(e, d, &di, nrxd, ntxd, asked);
	return 0;
}

static int dpdk_open(struct engine *e, const struct engine_conf *conf, struct errbuf *why)
{
	char ifname[IFNAMSIZ];
	int r;
	vdev_param(conf->dpdk_port, "iface", ifname, sizeof(ifname));
	if ((r = ctlplane_check(ifname, conf->name, conf->control_plane_ok, CTLPLANE_DPDK, why)) < 0)
		return r;
	if (ifname[0] && (r = dpdk_rx_cover(conf->dpdk_port, conf->queues, (unsigned)netinfo_rx_queues(ifname), why)) < 0)
		return r;
	struct engine_caps caps;
	if ((r = dpdk_probe(conf, &caps, why)) < 0)
		return r;
	struct dport *d = calloc(1, sizeof(*d) + ENGINE_MAX_QUEUES * sizeof(struct dq));
	if (!d)
		return errbuf_set(why, -ENOMEM, "%s: out of memory", conf->name);
	snprintf(e->ifname, sizeof(e->ifname), "%s", conf->name);
	e->ifindex = (int)if_nametoindex(conf->name); /* 0 when the name is only a label */
	if ((r = port_find(conf->dpdk_port, d, why)) < 0) {
		free(d);
		return r;
	}
	if ((r = port_setup(e, conf, d, why)) < 0) {
		port_close(d, false);
		free(d);
		return r;
	}
	e->priv = d;
	return 0;
}

static void dpdk_close(struct engine *e)
{
	struct dport *d = e->priv;
	if (!d)
		return;
	for (unsigned q = 0; q < e->nqueues; q++)
		if (d->q[q].nrx)
			rte_pktmbuf_free_bulk(d->q[q].rx, d->q[q].nrx);
	port_close(d, true);
	free(d);
	e->priv = NULL;
}

/* Device checksums: IP checksum zeroed, TCP checksum = pseudo-header sum (DPDK's contract). */
static void offload_prepare(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
	m->l2_len = 14;
	if (type == RTE_ETHER_TYPE_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);
		m->l3_len = rte_ipv4_hdr_len(ip);
		if (ip->next_proto_id != IPPROTO_TCP)
			return;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		ip->hdr_checksum = 0;
		((struct rte_tcp_hdr *)(p + 14 + m->l3_len))->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else if (type == RTE_ETHER_TYPE_IPV6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + 14);
		m->l3_len = sizeof(*ip6);
		if (ip6->proto != IPPROTO_TCP)
			return;
		m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
		((struct rte_tcp_hdr *)(p + 14 + m->l3_len))->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
	}
}

/* Lends mbufs from the port's pool: probes are built in their data room. */
static unsigned dpdk_tx_frames(struct engine *e, unsigned qi, uint8_t **bufs, unsigned n)
{
	struct dport *d = e->priv;
	struct dq *q = &d->q[qi];
	thread_register();
	n = MIN(n, (unsigned)BURST);
	if (!n || rte_pktmbuf_alloc_bulk(d->mp, q->tx, n) < 0) {
		atomic_fetch_add_explicit(&q->c.tx_full, 1, memory_order_relaxed);
		return q->ntx = 0;
	}
	for (unsigned i = 0; i < n; i++)
		bufs[i] = rte_pktmbuf_mtod(q->tx[i], uint8_t *);
	return q->ntx = n;
}

/* Sends the first k lent mbufs (checksums by the device when it offers
 * them); frees what the device refused and what was lent but not used. */
static unsigned dpdk_tx_submit(struct engine *e, unsigned qi, const uint16_t *lens, unsigned k)
{
	struct dport *d = e->priv;
	struct dq *q = &d->q[qi];
	uint64_t bytes = 0;
	k = MIN(k, q->ntx);
	for (unsigned i = 0; i < k; i++) {
		q->tx[i]->data_len = lens[i];
		q->tx[i]->pkt_len = lens[i];
		if (d->cksum_offload)
			offload_prepare(q->tx[i]);
	}
	uint16_t ok = d->cksum_offload ? rte_eth_tx_prepare(d->port, (uint16_t)qi, q->tx, (uint16_t)k) : (uint16_t)k;
	uint16_t sent = rte_eth_tx_burst(d->port, (uint16_t)qi, q->tx, ok);
	if (sent < k)
		atomic_fetch_add_explicit(&q->c.tx_full, 1, memory_order_relaxed);
	if (sent < q->ntx)
		rte_pktmbuf_free_bulk(q->tx + sent, q->ntx - sent);
	q->ntx = 0;
	for (unsigned i = 0; i < sent; i++)
		bytes += lens[i];
	atomic_fetch_add_explicit(&q->c.tx_packets, sent, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.tx_bytes, bytes, memory_order_relaxed);
	return sent;
}

static unsigned dpdk_rx(struct engine *e, unsigned qi, struct pkt *pkts, unsigned n)
{
	struct dport *d = e->priv;
	struct dq *q = &d->q[qi];
	uint64_t bytes = 0;
	thread_register();
	if (q->nrx)
		rte_pktmbuf_free_bulk(q->rx, q->nrx);
	q->nrx = rte_eth_rx_burst(d->port, (uint16_t)qi, q->rx, (uint16_t)MIN(n, (unsigned)BURST));
	if (!q->nrx) {
		atomic_fetch_add_explicit(&q->c.rx_empty, 1, memory_order_relaxed);
		return 0;
	}
	for (unsigned i = 0; i < q->nrx; i++) {
		pkts[i].data = rte_pktmbuf_mtod(q->rx[i], const uint8_t *);
		pkts[i].len = rte_pktmbuf_data_len(q->rx[i]);
		bytes += pkts[i].len;
	}
	atomic_fetch_add_explicit(&q->c.rx_packets, q->nrx, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.rx_bytes, bytes, memory_order_relaxed);
	return q->nrx;
}

/* The whole port receives scan replies only (it is not the host's NIC): the
 * workers' validator drops anything else, so there is no filter to program. */
static int dpdk_set_filter(struct engine *e, const struct rx_filter *f)
{
	(void)e;
	(void)f;
	return 0;
}

static void dpdk_stats(struct engine *e, unsigned qi, struct engine_qstats *st)
{
	struct dport *d = e->priv;
	struct dq *q = &d->q[qi];
	uint64_t v[ARRAY_SIZE(drop_xstats)] = { 0 };
	queue_counters_load(&q->c, st);
	/* port-wide drops (device FIFO full, no mbufs) are reported on queue 0 */
	if (qi == 0 && d->ndrop_ids && rte_eth_xstats_get_by_id(d->port, d->drop_ids, v, d->ndrop_ids) > 0)
		for (unsigned i = 0; i < d->ndrop_ids; i++)
			st->rx_drops += v[i];
}

/* Device counters by name (rte_eth_xstats), e.g. the ENA PMD's allowance counters. */
static int dpdk_counters(struct engine *e, const char *const *names, unsigned n, uint64_t *vals, bool *found)
{
	struct dport *d = e->priv;
	for (unsigned i = 0; i < n; i++) {
		uint64_t id;
		found[i] = rte_eth_xstats_get_id_by_name(d->port, names[i], &id) == 0 &&
			   rte_eth_xstats_get_by_id(d->port, &id, &vals[i], 1) == 1;
	}
	return 0;
}

const struct engine_ops engine_dpdk_ops = {
	.name = "dpdk",
	.global_init = dpdk_global_init,
	.global_fini = dpdk_global_fini,
	.probe = dpdk_probe,
	.open = dpdk_open,
	.close = dpdk_close,
	.tx_frames = dpdk_tx_frames,
	.tx_submit = dpdk_tx_submit,
	.rx_burst = dpdk_rx,
	.set_filter = dpdk_set_filter,
	.stats = dpdk_stats,
	.counters = dpdk_counters,
};
