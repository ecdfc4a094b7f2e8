/* Packet engine vtable (zmap probe-module style): each engine owns one NIC's
 * queues from daemon start to stop. Buffers, both ways in engine memory:
 * tx_frames() lends the caller frame buffers (UMEM frames, TX ring slots,
 * mbuf data), which it owns until tx_submit() hands them back -- the first k
 * queued with their lengths, the rest taken back unsent; rx_burst returns
 * pointers that stay valid until the next rx_burst on the same queue. Only
 * the queue's worker calls the tx_ and rx_ ops of a queue.
 * The engine layer knows no daemon config: it gets a struct engine_conf. */
#pragma once
#include "common.h"

#include <net/if.h>
#include <stdatomic.h>

#define ENGINE_MAX_QUEUES 64
#define ENGINE_MAX_BURST 64  /* frames lent at once */
#define ENGINE_FRAME_MIN 512 /* bytes a lent frame holds at least (PROBE_MAX_LEN) */
#define ENGINE_MAX_FILTER 16

enum engine_kind { ENGINE_AF_XDP, ENGINE_DPDK, ENGINE_AF_PACKET, ENGINE_NULL };
enum xdp_mode_cfg { XDPCFG_AUTO, XDPCFG_ZC, XDPCFG_DRV, XDPCFG_SKB };

/* What one NIC's engine is opened with. */
struct engine_conf {
	char name[IFNAMSIZ];	    /* kernel interface (for dpdk: a label, or the vdev's iface) */
	unsigned queues;	    /* 0 = engine default */
	enum xdp_mode_cfg xdp_mode; /* af_xdp: auto = ladder zc -> drv -> skb */
	char dpdk_port[256];	    /* dpdk: PCI address or vdev spec */
	bool control_plane_ok;	    /* dpdk, af_xdp: may take the NIC that carries the control plane (ctlplane.h) */
};

/* Process-wide settings for global_init. */
struct engine_global {
	const char *eal_args;  /* [dpdk] eal_args */
	const char *hugepages; /* [dpdk] hugepages: EAL gets the mount as --huge-dir */
};

/* What probe() learns about a NIC before it is opened (for worker placement). */
struct engine_caps {
	int numa_node;	    /* 0 when unknown */
	unsigned hw_queues; /* queues the device has (at least 1) */
};

struct pkt {
	const uint8_t *data;
	uint16_t len;
};

/* Per-queue counters, monotonic since open. */
struct engine_qstats {
	uint64_t tx_packets, tx_bytes, tx_ring_full;
	uint64_t rx_packets, rx_bytes, rx_drops, rx_ring_empty;
	uint64_t invalid_descs;
};

/* The counters an engine's queue worker updates (relaxed atomics), read by stats(). */
struct queue_counters {
	_Atomic uint64_t tx_packets, tx_bytes, tx_full, rx_packets, rx_bytes, rx_empty, rx_drops;
};
/* Fills st from c (zeroing the fields c does not have). */
void queue_counters_load(const struct queue_counters *c, struct engine_qstats *st);

/* What the engine's RX path should hand to the workers: replies to one of
 * these addresses, per entry by protocol --
 *   IPPROTO_TCP: a SYN-ACK or RST to a port in [port_lo, port_hi];
 *   IPPROTO_UDP: UDP to a port in [port_lo, port_hi], or an ICMP error
 *     quoting UDP from this address and such a port;
 *   IPPROTO_ICMP: an echo reply (ICMP or ICMPv6) with id port_lo whose
 *     payload starts with tag, or an ICMP error quoting an echo request
 *     from this address with id port_lo.
 * Everything else stays the host's (the host's own ping and DNS). */
struct rx_filter {
	unsigned n;
	struct {
		struct ipaddr dst;
		uint16_t port_lo, port_hi;
		uint8_t proto;
		uint32_t tag;
	} e[ENGINE_MAX_FILTER];
};

struct engine;

struct engine_ops {
	const char *name;
	/* Optional process-wide setup before the first open() (DPDK's EAL) and its
	 * teardown after the last close(); called once, only when a NIC uses the engine. */
	int (*global_init)(const struct engine_global *g, struct errbuf *why);
	void (*global_fini)(void);
	/* Facts about conf's device without opening it (caps is filled even on
	 * failure); 0, or -errno with why this engine cannot run there. */
	int (*probe)(const struct engine_conf *conf, struct engine_caps *caps, struct errbuf *why);
	/* Opens conf->queues queues (0 = engine default). On failure nothing is
	 * left open or attached and why names the problem and the fix. */
	int (*open)(struct engine *e, const struct engine_conf *conf, struct errbuf *why);
	void (*close)(struct engine *e);
	/* Lends up to n frame buffers of ENGINE_FRAME_MIN bytes or more; returns how
	 * many (0 when the ring is full). The caller builds frames in them. */
	unsigned (*tx_frames)(struct engine *e, unsigned q, uint8_t **bufs, unsigned n);
	/* Queues the first k lent frames with lens[i] bytes, takes back the other
	 * lent ones; returns how many of the k went out (fewer only when the
	 * device refused some: those are counted tx_ring_full, not sent). */
	unsigned (*tx_submit)(struct engine *e, unsigned q, const uint16_t *lens, unsigned k);
	/* Up to n received frames from RX queue q (< nrxqueues), or 0. Non-blocking. */
	unsigned (*rx_burst)(struct engine *e, unsigned q, struct pkt *pkts, unsigned n);
	/* Replaces the RX filter (called by the main thread when jobs start/end). */
	int (*set_filter)(struct engine *e, const struct rx_filter *f);
	/* Queue q's counters, q < MAX(nqueues, nrxqueues) (an RX-only queue has
	 * no TX counts). */
	void (*stats)(struct engine *e, unsigned q, struct engine_qstats *st);
	/* Optional: replies the RX filter matched on a queue without a socket
	 * (they went to the kernel and are lost to the scan). */
	uint64_t (*rx_unserved)(struct engine *e);
	/* Optional: true when the device's RX queues are no longer the ones the
	 * engine has sockets on (channels changed since open, e.g. ethtool -L);
	 * a re-open covers them. */
	bool (*rx_changed)(const struct engine *e);
	/* Optional: device counters by name (found[i] false when absent). */
	int (*counters)(struct engine *e, const char *const *names, unsigned n, uint64_t *vals, bool *found);
};

struct engine {
	const struct engine_ops *ops;
	char ifname[IFNAMSIZ];
	int ifindex;
	unsigned nqueues;   /* TX queues: one queue worker each */
	/* RX queues received on (>= nqueues): every queue of the device that can
	 * carry a reply; the ones beyond nqueues are polled by the workers too */
	unsigned nrxqueues;
	uint8_t mac[6];
	unsigned mtu;
	int numa_node;
	char mode[32];	    /* e.g. "tpacket-v2-tx/v3-rx+fanout", "xdp-drv-copy", "dpdk-net_null", "null" */
	char notes[256];    /* why a better mode was not used, warnings */
	void *priv;
};

/* probe() for engines on a kernel interface: its NUMA node and RX queues. */
void engine_caps_iface(const char *ifname, struct engine_caps *caps);
