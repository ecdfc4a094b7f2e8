/* The af_packet engine: per queue a PACKET_TX_RING (TPACKET_V2, qdisc
 * bypass, one sendto per burst) and a TPACKET_V3 RX ring behind a classic
 * BPF filter that admits only replies to active jobs; RX sockets of a NIC
 * share a PACKET_FANOUT group, or queue 0 receives alone if fanout fails. */
#include "afp_filter.h"
#include "engine.h"
#include "netinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define TX_FRAME_SIZE 1024u /* ENGINE_FRAME_MIN after the tpacket header */
#define TX_BLOCK_SIZE 4096u
#define TX_FRAMES 4096u
#define TX_DATA_OFF (TPACKET_ALIGN(sizeof(struct tpacket2_hdr)))
#define RX_BLOCK_SIZE (1u << 18)
#define RX_BLOCKS 16u
#define RX_FRAME_SIZE 2048u

struct afp_queue {
	int tx_fd, rx_fd;
	uint8_t *tx_ring, *rx_ring;
	unsigned tx_head, tx_lent; /* next slot; slots lent from it by tx_frames */
	unsigned rx_block, rx_left; /* current block, packets left in it */
	struct tpacket3_hdr *rx_next;
	bool rx_release; /* the current block is consumed: return it next call */
	struct queue_counters c; /* written by the worker */
};

struct afp {
	unsigned nq;
	struct afp_queue q[];
};

static int afp_probe(const struct engine_conf *conf, struct engine_caps *caps, struct errbuf *why)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	engine_caps_iface(conf->name, caps);
	if (fd < 0)
		return errbuf_set(why, -errno, "AF_PACKET: %s", strerror(errno));
	close(fd);
	return 0;
}

static int sock_err(struct errbuf *why, const char *ifname, const char *what)
{
	int e = errno;
	if (e == EPERM || e == EACCES)
		return errbuf_set(why, -e,
				  "%s: %s needs CAP_NET_RAW (run as root or grant AmbientCapabilities=CAP_NET_RAW)",
				  ifname, what);
	return errbuf_set(why, -e, "%s: %s: %s", ifname, what, strerror(e));
}

static int tx_open(struct afp_queue *q, int ifindex, const char *ifname, struct errbuf *why)
{
	int v = TPACKET_V2, one = 1;
	struct tpacket_req req = { .tp_block_size = TX_BLOCK_SIZE,
				   .tp_block_nr = TX_FRAMES * TX_FRAME_SIZE / TX_BLOCK_SIZE,
				   .tp_frame_size = TX_FRAME_SIZE,
				   .tp_frame_nr = TX_FRAMES };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };

	q->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (q->tx_fd < 0)
		return sock_err(why, ifname, "AF_PACKET socket");
	if (setsockopt(q->tx_fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(q->tx_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0 ||
	    setsockopt(q->tx_fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return sock_err(why, ifname, "PACKET_TX_RING setup");
	q->tx_ring = mmap(NULL, (size_t)TX_FRAMES * TX_FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  q->tx_fd, 0);
	if (q->tx_ring == MAP_FAILED) {
		q->tx_ring = NULL;
		return sock_err(why, ifname, "mmap of the TX ring");
	}
	if (bind(q->tx_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return sock_err(why, ifname, "bind");
	return 0;
}

static int rx_open(struct afp_queue *q, int ifindex, const char *ifname, struct errbuf *why)
{
	static struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog none = { 1, &reject };
	int v = TPACKET_V3, one = 1;
	struct tpacket_req3 req = { .tp_block_size = RX_BLOCK_SIZE, .tp_block_nr = RX_BLOCKS,
				    .tp_frame_size = RX_FRAME_SIZE,
				    .tp_frame_nr = RX_BLOCK_SIZE / RX_FRAME_SIZE * RX_BLOCKS,
				    .tp_retire_blk_tov = 10 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };

	q->rx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (q->rx_fd < 0)
		return sock_err(why, ifname, "AF_PACKET socket");
	/* filter first: nothing is queued before the first job sets a real one */
	if (setsockopt(q->rx_fd, SOL_SOCKET, SO_ATTACH_FILTER, &none, sizeof(none)) < 0 ||
	    setsockopt(q->rx_fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(q->rx_fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return sock_err(why, ifname, "PACKET_RX_RING setup");
	setsockopt(q->rx_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	q->rx_ring = mmap(NULL, (size_t)RX_BLOCK_SIZE * RX_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED,
			  q->rx_fd, 0);
	if (q->rx_ring == MAP_FAILED) {
		q->rx_ring = NULL;
		return sock_err(why, ifname, "mmap of the RX ring");
	}
	if (bind(q->rx_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return sock_err(why, ifname, "bind");
	return 0;
}

static void queue_close(struct afp_queue *q)
{
	if (q->tx_ring)
		munmap(q->tx_ring, (size_t)TX_FRAMES * TX_FRAME_SIZE);
	if (q->rx_ring)
		munmap(q->rx_ring, (size_t)RX_BLOCK_SIZE * RX_BLOCKS);
	if (q->tx_fd >= 0)
		close(q->tx_fd);
	if (q->rx_fd >= 0)
		close(q->rx_fd);
	q->tx_ring = q->rx_ring = NULL;
	q->tx_fd = q->rx_fd = -1;
}

static void afp_close(struct engine *e)
{
	struct afp *a = e->priv;
	for (unsigned i = 0; a && i < a->nq; i++)
		queue_close(&a->q[i]);
	free(a);
	e->priv = NULL;
}

/* Joins the RX sockets of all queues into one fanout group; on failure only
 * queue 0 keeps an RX socket (replies are still all seen, by one queue). */
static void rx_fanout(struct engine *e, struct afp *a)
{
	int arg = (int)((e->ifindex + getpid()) & 0xffff) |
		  ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
	for (unsigned i = 0; i < a->nq; i++) {
		if (setsockopt(a->q[i].rx_fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) == 0)
			continue;
		snprintf(e->notes, sizeof(e->notes),
			 "PACKET_FANOUT failed (%s): queue 0 receives all replies", strerror(errno));
		for (unsigned k = 1; k < a->nq; k++) {
			if (a->q[k].rx_ring)
				munmap(a->q[k].rx_ring, (size_t)RX_BLOCK_SIZE * RX_BLOCKS);
			if (a->q[k].rx_fd >= 0)
				close(a->q[k].rx_fd);
			a->q[k].rx_ring = NULL;
			a->q[k].rx_fd = -1;
		}
		return;
	}
}

static int afp_open(struct engine *e, const struct engine_conf *conf, struct errbuf *why)
{
	unsigned nq = conf->queues ? conf->queues : 1;
	struct afp *a;
	bool up = false;
	int r;

	snprintf(e->ifname, sizeof(e->ifname), "%s", conf->name);
	if ((r = netinfo_iface(conf->name, &e->ifindex, e->mac, &e->mtu, &up, why)) < 0)
		return r;
	if (!up)
		return errbuf_set(why, -ENETDOWN, "%s is down (or has no carrier): ip link set %s up",
				  conf->name, conf->name);
	if (!(a = calloc(1, sizeof(*a) + nq * sizeof(a->q[0]))))
		return errbuf_set(why, -ENOMEM, "%s: out of memory", conf->name);
	e->priv = a;
	a->nq = nq;
	for (unsigned i = 0; i < nq; i++)
		a->q[i].tx_fd = a->q[i].rx_fd = -1;
	for (unsigned i = 0; i < nq; i++) {
		if ((r = tx_open(&a->q[i], e->ifindex, conf->name, why)) < 0 ||
		    (r = rx_open(&a->q[i], e->ifindex, conf->name, why)) < 0) {
			afp_close(e);
			return r;
		}
	}
	e->notes[0] = '\0';
	if (nq > 1)
		rx_fanout(e, a);
	e->nqueues = e->nrxqueues = nq; /* fanout: the sockets share every RX queue */
	e->numa_node = netinfo_numa_node(conf->name);
	snprintf(e->mode, sizeof(e->mode), "tpacket-v2-tx/v3-rx%s", nq > 1 && !e->notes[0] ? "+fanout" : "");
	return 0;
}

_Static_assert(TX_FRAME_SIZE - TX_DATA_OFF >= ENGINE_FRAME_MIN, "a TX slot must hold a probe");

static struct tpacket2_hdr *tx_slot(const struct afp_queue *q, unsigned i)
{
	return (void *)(q->tx_ring + (size_t)((q->tx_head + i) % TX_FRAMES) * TX_FRAME_SIZE);
}

/* Lends the free TX ring slots from the head on: probes are built in the ring. */
static unsigned afp_tx_frames(struct engine *e, unsigned qi, uint8_t **bufs, unsigned n)
{
	struct afp_queue *q = &((struct afp *)e->priv)->q[qi];
	unsigned k = 0;
	for (; k < n; k++) {
		struct tpacket2_hdr *h = tx_slot(q, k);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (st != TP_STATUS_AVAILABLE && st != TP_STATUS_WRONG_FORMAT)
			break;
		bufs[k] = (uint8_t *)h + TX_DATA_OFF;
	}
	q->tx_lent = k;
	if (k < n)
		atomic_fetch_add_explicit(&q->c.tx_full, 1, memory_order_relaxed);
	return k;
}

/* Marks the first k lent slots for sending (one sendto for all); the others
 * stay free for the next burst. */
static unsigned afp_tx_submit(struct engine *e, unsigned qi, const uint16_t *lens, unsigned k)
{
	struct afp_queue *q = &((struct afp *)e->priv)->q[qi];
	uint64_t bytes = 0;
	for (unsigned i = 0; i < k && i < q->tx_lent; i++) {
		struct tpacket2_hdr *h = tx_slot(q, i);
		h->tp_len = lens[i];
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		bytes += lens[i];
	}
	k = MIN(k, q->tx_lent);
	q->tx_head = (q->tx_head + k) % TX_FRAMES;
	q->tx_lent = 0;
	if (k)
		sendto(q->tx_fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	atomic_fetch_add_explicit(&q->c.tx_packets, k, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.tx_bytes, bytes, memory_order_relaxed);
	return k;
}

static struct tpacket_block_desc *rx_desc(struct afp_queue *q)
{
	return (struct tpacket_block_desc *)(q->rx_ring + (size_t)q->rx_block * RX_BLOCK_SIZE);
}

static unsigned afp_rx(struct engine *e, unsigned qi, struct pkt *pkts, unsigned n)
{
	struct afp_queue *q = &((struct afp *)e->priv)->q[qi];
	struct tpacket_block_desc *bd;
	unsigned k = 0;
	uint64_t bytes = 0;

	if (!q->rx_ring)
		return 0;
	if (q->rx_release) { /* the caller is done with the previous block's frames */
		__atomic_store_n(&rx_desc(q)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		q->rx_block = (q->rx_block + 1) % RX_BLOCKS;
		q->rx_release = false;
	}
	bd = rx_desc(q);
	if (!q->rx_left) {
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			atomic_fetch_add_explicit(&q->c.rx_empty, 1, memory_order_relaxed);
			return 0;
		}
		q->rx_left = bd->hdr.bh1.num_pkts;
		q->rx_next = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	}
	for (; k < n && q->rx_left; k++, q->rx_left--) {
		struct tpacket3_hdr *h = q->rx_next;
		pkts[k].data = (uint8_t *)h + h->tp_mac;
		pkts[k].len = (uint16_t)MIN(h->tp_snaplen, 65535u);
		bytes += h->tp_snaplen;
		q->rx_next = (void *)((uint8_t *)h + h->tp_next_offset);
	}
	if (!q->rx_left)
		q->rx_release = true;
	atomic_fetch_add_explicit(&q->c.rx_packets, k, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.rx_bytes, bytes, memory_order_relaxed);
	return k;
}

static int afp_set_filter(struct engine *e, const struct rx_filter *f)
{
	struct afp *a = e->priv;
	struct sock_filter insns[AFP_FILTER_MAX];
	struct sock_fprog prog = { (unsigned short)afp_build_filter(f, insns), insns };
	for (unsigned i = 0; i < a->nq; i++)
		if (a->q[i].rx_fd >= 0 &&
		    setsockopt(a->q[i].rx_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
			return -errno;
	return 0;
}

static void afp_stats(struct engine *e, unsigned qi, struct engine_qstats *st)
{
	struct afp_queue *q = &((struct afp *)e->priv)->q[qi];
	struct tpacket_stats_v3 ps;
	socklen_t len = sizeof(ps);
	/* PACKET_STATISTICS resets on read: accumulate */
	if (q->rx_fd >= 0 && getsockopt(q->rx_fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) == 0)
		atomic_fetch_add(&q->c.rx_drops, ps.tp_drops);
	queue_counters_load(&q->c, st);
}

const struct engine_ops engine_af_packet_ops = {
	.name = "af_packet",
	.probe = afp_probe,
	.open = afp_open,
	.close = afp_close,
	.tx_frames = afp_tx_frames,
	.tx_submit = afp_tx_submit,
	.rx_burst = afp_rx,
	.set_filter = afp_set_filter,
	.stats = afp_stats,
};
