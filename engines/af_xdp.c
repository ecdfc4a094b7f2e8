/* The af_xdp engine: one XSK per TX queue (worker) plus an RX-only XSK on
 * every further RX queue of the NIC, so no reply is left to the kernel; all
 * share one UMEM per NIC (on the NIC's NUMA node). scand_xdp.bpf.o redirects
 * only scan replies; a mode ladder zero-copy -> driver copy -> skb copy in
 * which every failed step undoes all it did. Hot path: batched rings, a
 * sendto kick only when the kernel asks for one (need_wakeup). */
#include "engine.h"
#include "log.h"
#include "netinfo.h"
#include "ctlplane.h"
#include "bpf/scand_xdp.h"
#include "scand-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>
#include <bpf/bpf.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#if HAVE_NUMA
#include <numa.h>
#endif

#define RING 1024u		     /* descriptors per ring; frames per queue = 2 x RING */
#define FRAME 2048u		     /* UMEM chunk */
#define QUEUE_BYTES (2ull * RING * FRAME) /* a TX+RX queue; an RX-only one takes half */
#define RX_MAX 64u
/* TX frames queued but not completed, at most: a kick sends a few dozen in
 * copy mode, and a frame queued long before it goes out is cold when the
 * kernel copies it (bench: a full 1024-deep ring cost 30-100 ns a packet) */
#define TX_INFLIGHT_MAX 128u
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux >= 6.17: descriptors one sendto sends in copy mode */
#endif

enum xmode { XM_ZC, XM_DRV, XM_SKB };
static const char *const xmode_names[] = { "zc", "drv", "skb" };

struct xq {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
	uint64_t free[RING]; /* TX frames not in flight; the top tx_lent are lent */
	unsigned nfree, rx_held, tx_lent;
	uint32_t tx_idx; /* first TX descriptor reserved for the lent frames */
	uint64_t held[RX_MAX];
	uint64_t tofill[RING]; /* RX frames released, waiting for room on the fill ring */
	unsigned ntofill;
	bool starve_fill;      /* test only (SCAND_TEST_XDP_FAIL=fill): pretend little room */
	struct queue_counters c; /* written by the worker */
};

struct axdp {
	unsigned nq;  /* TX queues (sockets 0..nq-1 send and receive) */
	unsigned nrx; /* sockets: every RX queue of the NIC, at least nq */
	uint8_t *area;
	size_t size;
	struct xsk_umem *umem;
	struct bpf_object *obj; /* scand_xdp, loaded */
	int link_fd;		/* its XDP attachment: the kernel detaches it when closed */
	int filter_fd;
	int unserved_fd; /* scand_xdp's count of replies on a queue without a socket */
	struct xq q[];
};

/* Test-only failure injection: SCAND_TEST_XDP_FAIL="step[:mode],..." makes a
 * step of the ladder fail (steps: area, open, attach, umem, socket, xskmap);
 * "fill" instead starves the fill ring at run time. */
static int inject(const char *step, enum xmode m)
{
	const char *spec = getenv("SCAND_TEST_XDP_FAIL");
	char want[32], with_mode[32];
	if (!spec)
		return 0;
	snprintf(want, sizeof(want), "%s", step);
	snprintf(with_mode, sizeof(with_mode), "%s:%s", step, xmode_names[m]);
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		if ((n == strlen(want) && !strncmp(p, want, n)) ||
		    (n == strlen(with_mode) && !strncmp(p, with_mode, n)))
			return -EIO;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* libxdp and libbpf talk on stderr by default; route them to our log. */
static int lib_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* both libraries start their messages with "libxdp: " / "libbpf: " */
	log_msg(level == LIBXDP_WARN ? LOG_INFO : LOG_DEBUG, "%s%s",
		strncmp(line, "lib", 3) == 0 ? "" : "libxdp: ", line);
	return 0;
}

static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return lib_print(level == LIBBPF_WARN ? LIBXDP_WARN : LIBXDP_DEBUG, fmt, ap);
}

static const char *bpf_object_path(void)
{
	static const char *const paths[] = { SCAND_XDP_OBJ_INSTALL, SCAND_XDP_OBJ_BUILD };
	const char *env = getenv("SCAND_XDP_OBJ");
	if (env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return paths[0];
}

static bool have_cap_ipc_lock(void)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return eff & (1ull << 14); /* CAP_IPC_LOCK */
}

/* The UMEM is pinned memory: without CAP_IPC_LOCK it counts against
 * RLIMIT_MEMLOCK, and the kernel's ENOBUFS would not say why. */
static int check_memlock(const char *ifname, size_t need, struct errbuf *why)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need + (1u << 20) || have_cap_ipc_lock())
		return 0;
	return errbuf_set(why, -ENOBUFS,
			  "%s: RLIMIT_MEMLOCK is %llu KiB but the AF_XDP UMEM needs %zu KiB: set LimitMEMLOCK=infinity in scand.service (or ulimit -l unlimited), or grant CAP_IPC_LOCK",
			  ifname, (unsigned long long)rl.rlim_cur / 1024, need / 1024 + 1024);
}

static int area_alloc(struct axdp *a, int node)
{
	a->area = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->area == MAP_FAILED) {
		a->area = NULL;
		return -errno;
	}
#if HAVE_NUMA
	if (numa_available() >= 0)
		numa_tonode_memory(a->area, a->size, node); /* mbind: pages come from the NIC's node */
#else
	(void)node;
#endif
	return 0;
}

/* Undoes whatever try_mode() got done, in reverse order. */
static void undo(struct engine *e, struct axdp *a)
{
	(void)e;
	for (unsigned i = 0; i < a->nrx; i++)
		if (a->q[i].xsk)
			xsk_socket__delete(a->q[i].xsk);
	/* the UMEM unmaps its fill/completion rings through q[0]: clear after */
	if (a->umem)
		xsk_umem__delete(a->umem);
	a->umem = NULL;
	memset(a->q, 0, a->nrx * sizeof(a->q[0]));
	if (a->link_fd >= 0)
		close(a->link_fd); /* detaches the program */
	a->link_fd = -1;
	bpf_object__close(a->obj);
	a->obj = NULL;
	a->filter_fd = a->unserved_fd = -1;
}

static int load_prog(struct axdp *a, enum xmode m, struct errbuf *why)
{
	const char *path = bpf_object_path();
	int r = inject("open", m);
	if (r == 0) {
		a->obj = bpf_object__open_file(path, NULL);
		if (!a->obj)
			r = -errno;
	}
	if (r < 0)
		return errbuf_set(why, r, "cannot open %s: %s (reinstall scand or set SCAND_XDP_OBJ)",
				  path, strerror(-r));
	if ((r = bpf_object__load(a->obj)) == -EPERM)
		return errbuf_set(why, r, "loading XDP needs CAP_BPF and CAP_NET_ADMIN (run as root or grant AmbientCapabilities)");
	if (r < 0)
		return errbuf_set(why, r, "cannot load %s: %s", path, strerror(-r));
	return 0;
}

/* Attached through a BPF link, not netlink: when scand exits -- even by
 * kill -9 or a crash -- the kernel closes the link and detaches the program,
 * so nothing is left on the interface to block the next start. */
static int attach_prog(struct engine *e, struct axdp *a, enum xmode m, struct errbuf *why)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo,
		    .flags = m == XM_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	struct bpf_program *prog;
	int r = load_prog(a, m, why);
	if (r < 0)
		return r;
	if (!(prog = bpf_object__next_program(a->obj, NULL)))
		return errbuf_set(why, -ENOENT, "%s has no XDP program", bpf_object_path());
	if ((r = inject("attach", m)) == 0)
		r = bpf_link_create(bpf_program__fd(prog), e->ifindex, BPF_XDP, &lo);
	if (r < 0) {
		if (r == -EPERM)
			return errbuf_set(why, r, "attaching XDP needs CAP_NET_ADMIN and CAP_BPF (run as root or grant AmbientCapabilities)");
		if (r == -EBUSY)
			return errbuf_set(why, r, "another XDP program is attached to %s (a scand before BPF-link attachment leaves its own after kill -9): ip link set dev %s xdp off",
					  e->ifname, e->ifname);
		if (e->mtu > 3498 && (r == -EINVAL || r == -ERANGE || r == -EOPNOTSUPP))
			return errbuf_set(why, r, "XDP attach failed (%s) at MTU %u: XDP needs MTU <= 3498 on ena: ip link set %s mtu 3498",
					  strerror(-r), e->mtu, e->ifname);
		return errbuf_set(why, r, "XDP attach in %s mode: %s", m == XM_SKB ? "skb" : "native", strerror(-r));
	}
	a->link_fd = r;
	struct bpf_map *fm = bpf_object__find_map_by_name(a->obj, "scan_filter");
	struct bpf_map *um = bpf_object__find_map_by_name(a->obj, "unserved");
	a->filter_fd = fm ? bpf_map__fd(fm) : -1;
	a->unserved_fd = um ? bpf_map__fd(um) : -1;
	return 0;
}

/* Queue qi sends too when it is one of the nq TX queues. */
static int socket_create(struct engine *e, struct axdp *a, unsigned qi, enum xmode m)
{
	struct xq *q = &a->q[qi];
	bool tx = qi < a->nq;
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = tx ? RING : 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = m == XM_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
		.bind_flags = (uint16_t)((m == XM_ZC ? XDP_ZEROCOPY : XDP_COPY) | XDP_USE_NEED_WAKEUP),
	};
	unsigned delay = 20000, waited = 0;
	int r = inject("socket", m);
	if (r < 0)
		return r;
	/* a queue just released by an earlier socket stays EBUSY until the kernel's
	 * deferred release has run: retry with backoff, up to ~3 s */
	while ((r = xsk_socket__create_shared(&q->xsk, e->ifname, qi, a->umem, &q->rx, tx ? &q->tx : NULL,
					      &q->fill, &q->comp, &cfg)) == -EBUSY &&
	       waited < 3000000) {
		usleep(delay);
		waited += delay;
		delay = MIN(delay * 2, 500000u);
	}
	return r;
}

/* In copy mode one kick sends at most the socket's TX budget (32 by
 * default): let it send what may be in flight, so one kick serves a burst.
 * Kernels before 6.17 lack the option; the default is kept there. */
static void tx_budget(struct xq *q)
{
	unsigned v = TX_INFLIGHT_MAX;
	if (setsockopt(xsk_socket__fd(q->xsk), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &v, sizeof(v)) < 0)
		log_debug("XDP_MAX_TX_SKB_BUDGET %u: %s (kernel default kept)", v, strerror(errno));
}

/* UMEM bytes of nq TX+RX queues and nrx - nq RX-only ones. */
static size_t area_size(unsigned nq, unsigned nrx)
{
	return nq * QUEUE_BYTES + (nrx - nq) * (QUEUE_BYTES / 2);
}

/* Puts the queue's RX frames on its fill ring and, for a TX queue, its TX
 * frames on the free stack. Queue qi's frames start at area_size(qi) (TX
 * queues come first). */
static void queue_frames(struct axdp *a, unsigned qi)
{
	struct xq *q = &a->q[qi];
	uint64_t base = qi < a->nq ? area_size(qi, qi) : area_size(a->nq, qi);
	uint32_t idx = 0;
	unsigned n = xsk_ring_prod__reserve(&q->fill, RING, &idx);
	for (unsigned i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = base + (uint64_t)i * FRAME;
	xsk_ring_prod__submit(&q->fill, n);
	for (unsigned i = 0; qi < a->nq && i < RING; i++)
		q->free[i] = base + (uint64_t)(RING + i) * FRAME;
	q->nfree = qi < a->nq ? RING : 0;
}

static int try_mode(struct engine *e, struct axdp *a, enum xmode m, struct errbuf *why)
{
	struct xsk_umem_config ucfg = { .fill_size = RING, .comp_size = RING, .frame_size = FRAME };
	struct bpf_map *xm;
	int r;

	if ((r = attach_prog(e, a, m, why)) < 0)
		goto fail;
	xm = bpf_object__find_map_by_name(a->obj, "xsks_map");
	if ((r = inject("umem", m)) < 0 ||
	    (r = xsk_umem__create(&a->umem, a->area, a->size, &a->q[0].fill, &a->q[0].comp, &ucfg)) < 0) {
		a->umem = NULL;
		errbuf_set(why, r, "UMEM of %zu KiB: %s", a->size / 1024, strerror(-r));
		goto fail;
	}
	for (unsigned i = 0; i < a->nrx; i++) {
		if ((r = socket_create(e, a, i, m)) < 0) {
			a->q[i].xsk = NULL;
			errbuf_set(why, r, "AF_XDP socket on queue %u: %s%s", i, strerror(-r),
				   r == -EOPNOTSUPP && m == XM_ZC ? " (the driver has no zero-copy)" : "");
			goto fail;
		}
		if ((r = inject("xskmap", m)) < 0 || !xm ||
		    (r = xsk_socket__update_xskmap(a->q[i].xsk, bpf_map__fd(xm))) < 0) {
			errbuf_set(why, r ? r : -ENOENT, "xsks_map update for queue %u: %s", i,
				   strerror(r ? -r : ENOENT));
			r = r ? r : -ENOENT;
			goto fail;
		}
		queue_frames(a, i);
		a->q[i].starve_fill = inject("fill", m) < 0;
		if (i < a->nq)
			tx_budget(&a->q[i]);
	}
	return 0;
fail:
	undo(e, a);
	return r;
}

static int ladder(struct engine *e, struct axdp *a, enum xdp_mode_cfg want, struct errbuf *why)
{
	static const char *const mode_str[] = { "xdp-zc", "xdp-drv-copy", "xdp-skb-copy" };
	size_t off = 0;
	int r = -EOPNOTSUPP;
	e->notes[0] = '\0';
	for (enum xmode m = XM_ZC; m <= XM_SKB; m++) {
		struct errbuf step = { { 0 } };
		if (want != XDPCFG_AUTO && (int)want - 1 != (int)m)
			continue; /* config forces one mode: zc=1, drv=2, skb=3 */
		if ((r = try_mode(e, a, m, &step)) == 0) {
			snprintf(e->mode, sizeof(e->mode), "%s", mode_str[m]);
			return 0;
		}
		off += (size_t)snprintf(e->notes + off, sizeof(e->notes) - MIN(off, sizeof(e->notes)),
					"%s%s: %s", off ? "; " : "", xmode_names[m], step.msg);
		off = MIN(off, sizeof(e->notes));
	}
	return errbuf_set(why, r, "%s: no AF_XDP mode works (%s)", e->ifname, e->notes);
}

static void axdp_close(struct engine *e)
{
	struct axdp *a = e->priv;
	if (!a)
		return;
	undo(e, a);
	if (a->area)
		munmap(a->area, a->size);
	free(a);
	e->priv = NULL;
}

/* Sockets for nq TX queues on a NIC with hw RX queues: one on every RX
 * queue, so that a reply steered to any of them reaches scand. */
static unsigned rx_sockets(unsigned nq, unsigned hw)
{
	return MAX(nq, hw);
}

/* TX queues (workers) and sockets (rx_sockets). Refused when the xsks_map
 * cannot hold them all (a reply would fall to the kernel). */
static int queue_counts(const struct engine_conf *conf, unsigned *nq, unsigned *nrx, struct errbuf *why)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned hw = (unsigned)netinfo_rx_queues(conf->name);
	*nq = conf->queues ? conf->queues : (unsigned)MIN((long)hw, cores);
	*nrx = rx_sockets(*nq, hw);
	if (*nq > SCAND_XDP_MAX_QUEUES)
		return errbuf_set(why, -EINVAL, "%s: queues = %u, but AF_XDP serves at most %d queues: set queues <= %d",
				  conf->name, *nq, SCAND_XDP_MAX_QUEUES, SCAND_XDP_MAX_QUEUES);
	if (*nrx > SCAND_XDP_MAX_QUEUES)
		return errbuf_set(why, -EINVAL,
				  "%s has %u RX channels but AF_XDP can cover at most %d (replies on the others would be lost): ethtool -L %s combined %d (or [nic] xdp_channels_fix with scand --prepare)",
				  conf->name, hw, SCAND_XDP_MAX_QUEUES, conf->name, SCAND_XDP_MAX_QUEUES);
	return 0;
}

/* The checks that need no socket: up, queue counts, ENA channels, memlock,
 * the XDP program readable. */
static int open_checks(struct engine *e, const struct engine_conf *conf, unsigned *nq, unsigned *nrx,
		       struct errbuf *why)
{
	bool up = false;
	*nq = *nrx = 0;
	int r;
	snprintf(e->ifname, sizeof(e->ifname), "%s", conf->name);
	if ((r = netinfo_iface(conf->name, &e->ifindex, e->mac, &e->mtu, &up, why)) < 0)
		return r;
	if (!up)
		return errbuf_set(why, -ENETDOWN, "%s is down: ip link set %s up", conf->name, conf->name);
	if ((r = ctlplane_check(conf->name, conf->name, conf->control_plane_ok, CTLPLANE_XDP, why)) < 0 ||
	    (r = queue_counts(conf, nq, nrx, why)) < 0 || (r = netinfo_ena_channels_check(conf->name, why)) < 0 ||
	    (r = check_memlock(conf->name, area_size(*nq, *nrx), why)) < 0)
		return r;
	if (access(bpf_object_path(), R_OK) < 0) /* the same for every mode: say it once */
		return errbuf_set(why, -errno,
				  "%s: cannot read the XDP program %s as uid %u: %s (install scand, or set SCAND_XDP_OBJ to a readable copy)",
				  conf->name, bpf_object_path(), (unsigned)geteuid(), strerror(errno));
	return 0;
}

static int axdp_open(struct engine *e, const struct engine_conf *conf, struct errbuf *why)
{
	unsigned nq = 0, nrx = 0;
	struct axdp *a;
	int r;

	libxdp_set_print(lib_print);
	libbpf_set_print(bpf_print);
	if ((r = open_checks(e, conf, &nq, &nrx, why)) < 0)
		return r;
	if (!(a = calloc(1, sizeof(*a) + nrx * sizeof(a->q[0]))))
		return errbuf_set(why, -ENOMEM, "%s: out of memory", conf->name);
	a->nq = nq;
	a->nrx = nrx;
	a->size = area_size(nq, nrx);
	a->filter_fd = a->link_fd = a->unserved_fd = -1;
	e->priv = a;
	e->numa_node = netinfo_numa_node(conf->name);
	if ((r = inject("area", XM_ZC)) < 0 || (r = area_alloc(a, e->numa_node)) < 0) {
		size_t kib = a->size / 1024;
		axdp_close(e); /* frees a */
		return errbuf_set(why, r, "%s: cannot map %zu KiB for the UMEM", conf->name, kib);
	}
	if ((r = ladder(e, a, conf->xdp_mode, why)) < 0) {
		axdp_close(e);
		return r;
	}
	e->nqueues = nq;
	e->nrxqueues = nrx;
	return 0;
}

static void reclaim(struct xq *q)
{
	uint32_t idx = 0;
	unsigned n = xsk_ring_cons__peek(&q->comp, RING, &idx);
	for (unsigned i = 0; i < n; i++)
		q->free[q->nfree++] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
	xsk_ring_cons__release(&q->comp, n);
}

/* Lends free UMEM frames with TX descriptors reserved for them: probes are
 * built in the UMEM, no copy. */
static unsigned axdp_tx_frames(struct engine *e, unsigned qi, uint8_t **bufs, unsigned n)
{
	struct axdp *a = e->priv;
	struct xq *q = &a->q[qi];
	unsigned k;

	reclaim(q);
	k = MIN(n, q->nfree);
	k = MIN(k, TX_INFLIGHT_MAX - MIN(TX_INFLIGHT_MAX, RING - q->nfree));
	k = MIN(k, (unsigned)xsk_prod_nb_free(&q->tx, k));
	if (k && xsk_ring_prod__reserve(&q->tx, k, &q->tx_idx) != k)
		k = 0;
	for (unsigned i = 0; i < k; i++)
		bufs[i] = a->area + q->free[q->nfree - 1 - i];
	q->tx_lent = k;
	if (k < n)
		atomic_fetch_add_explicit(&q->c.tx_full, 1, memory_order_relaxed);
	return k;
}

/* Fills the first k reserved descriptors, gives the other reservations back,
 * and kicks the kernel only when it asks for it (need_wakeup). */
static unsigned axdp_tx_submit(struct engine *e, unsigned qi, const uint16_t *lens, unsigned k)
{
	struct xq *q = &((struct axdp *)e->priv)->q[qi];
	uint64_t bytes = 0;
	k = MIN(k, q->tx_lent);
	for (unsigned i = 0; i < k; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, q->tx_idx + i);
		d->addr = q->free[--q->nfree];
		d->len = lens[i];
		bytes += lens[i];
	}
	q->tx.cached_prod -= q->tx_lent - k; /* unreserve what was not used */
	q->tx_lent = 0;
	if (k)
		xsk_ring_prod__submit(&q->tx, k);
	if (xsk_ring_prod__needs_wakeup(&q->tx))
		sendto(xsk_socket__fd(q->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	atomic_fetch_add_explicit(&q->c.tx_packets, k, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.tx_bytes, bytes, memory_order_relaxed);
	return k;
}

/* Gives the frames handed out by the previous rx_burst back to the fill ring. */
/* Gives the frames handed out by the previous rx_burst back to the fill
 * ring; those it has no room for now wait in tofill and go next time (a
 * frame dropped here would never come back: RX would starve). */
static void refill(struct xq *q)
{
	uint32_t idx = 0;
	unsigned room, k;
	if (q->rx_held) {
		xsk_ring_cons__release(&q->rx, q->rx_held);
		for (unsigned i = 0; i < q->rx_held; i++)
			q->tofill[q->ntofill++] = q->held[i] - q->held[i] % FRAME;
		q->rx_held = 0;
	}
	if (!q->ntofill)
		return;
	room = xsk_prod_nb_free(&q->fill, q->ntofill);
	if (q->starve_fill) /* at most 4 frames back per call: the rest must wait, not vanish */
		room = MIN(room, 4u);
	k = MIN(room, q->ntofill);
	if (!k || xsk_ring_prod__reserve(&q->fill, k, &idx) != k)
		return;
	for (unsigned i = 0; i < k; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = q->tofill[--q->ntofill];
	xsk_ring_prod__submit(&q->fill, k);
}

static unsigned axdp_rx(struct engine *e, unsigned qi, struct pkt *pkts, unsigned n)
{
	struct axdp *a = e->priv;
	struct xq *q = &a->q[qi];
	uint32_t idx = 0;
	uint64_t bytes = 0;
	unsigned got;

	refill(q);
	got = xsk_ring_cons__peek(&q->rx, MIN(n, RX_MAX), &idx);
	if (!got) {
		if (xsk_ring_prod__needs_wakeup(&q->fill))
			recvfrom(xsk_socket__fd(q->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		atomic_fetch_add_explicit(&q->c.rx_empty, 1, memory_order_relaxed);
		return 0;
	}
	for (unsigned i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		pkts[i].data = xsk_umem__get_data(a->area, d->addr);
		pkts[i].len = (uint16_t)MIN(d->len, 65535u);
		q->held[i] = d->addr;
		bytes += d->len;
	}
	q->rx_held = got;
	atomic_fetch_add_explicit(&q->c.rx_packets, got, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->c.rx_bytes, bytes, memory_order_relaxed);
	return got;
}

static void filter_key(const struct ipaddr *a, struct scand_filter_key *k)
{
	memset(k, 0, sizeof(*k));
	k->af = a->af == AF_INET ? 4 : 6;
	ipaddr_to_bytes(a, k->addr);
}

/* Desired map contents: per address the exact entries of the jobs that use
 * it (identical ones once, never merged into one min..max range).
 * Returns the number of addresses. */
static unsigned filter_wanted(const struct rx_filter *f, struct scand_filter_key *keys,
			      struct scand_port_ranges *ranges)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->n; i++) {
		struct scand_filter_key k;
		struct scand_port_range r = { .lo = f->e[i].port_lo, .hi = f->e[i].port_hi,
					      .proto = f->e[i].proto, .tag = htonl(f->e[i].tag) };
		unsigned j = 0, m;
		filter_key(&f->e[i].dst, &k);
		while (j < n && memcmp(&keys[j], &k, sizeof(k)))
			j++;
		if (j == n) {
			keys[n] = k;
			memset(&ranges[n++], 0, sizeof(ranges[0]));
		}
		for (m = 0; m < ranges[j].n && memcmp(&ranges[j].r[m], &r, sizeof(r)); m++)
			;
		if (m == ranges[j].n && m < SCAND_XDP_MAX_RANGES)
			ranges[j].r[ranges[j].n++] = r;
	}
	return n;
}

/* Writes the wanted entries first, then deletes stale ones, so a running
 * job's replies are never unmatched during the update. */
static int axdp_set_filter(struct engine *e, const struct rx_filter *f)
{
	struct axdp *a = e->priv;
	struct scand_filter_key keys[ENGINE_MAX_FILTER], k, next;
	struct scand_port_ranges ranges[ENGINE_MAX_FILTER];
	unsigned n = filter_wanted(f, keys, ranges);
	bool more;
	if (a->filter_fd < 0)
		return -EBADF;
	for (unsigned i = 0; i < n; i++)
		if (bpf_map_update_elem(a->filter_fd, &keys[i], &ranges[i], BPF_ANY) < 0)
			return -errno;
	for (more = bpf_map_get_next_key(a->filter_fd, NULL, &next) == 0; more;) {
		bool wanted = false;
		k = next;
		more = bpf_map_get_next_key(a->filter_fd, &k, &next) == 0;
		for (unsigned i = 0; i < n && !wanted; i++)
			wanted = !memcmp(&keys[i], &k, sizeof(k));
		if (!wanted)
			bpf_map_delete_elem(a->filter_fd, &k);
	}
	return 0;
}

static void axdp_stats(struct engine *e, unsigned qi, struct engine_qstats *st)
{
	struct xq *q = &((struct axdp *)e->priv)->q[qi];
	struct xdp_statistics xs = { 0 };
	socklen_t len = sizeof(xs);
	queue_counters_load(&q->c, st);
	if (q->xsk && getsockopt(xsk_socket__fd(q->xsk), SOL_XDP, XDP_STATISTICS, &xs, &len) == 0) {
		st->rx_drops = xs.rx_dropped + xs.rx_ring_full;
		st->invalid_descs = xs.rx_invalid_descs + xs.tx_invalid_descs;
		st->rx_ring_empty = xs.rx_fill_ring_empty_descs;
	}
}

/* The sockets the NIC's RX queues need now differ from the ones open. */
static bool axdp_rx_changed(const struct engine *e)
{
	const struct axdp *a = e->priv;
	return a && rx_sockets(a->nq, (unsigned)netinfo_rx_queues(e->ifname)) != a->nrx;
}

/* The sum over CPUs of scand_xdp's unserved counter. */
static uint64_t axdp_unserved(struct engine *e)
{
	struct axdp *a = e->priv;
	int ncpu = libbpf_num_possible_cpus();
	uint32_t key = 0;
	uint64_t sum = 0;
	if (!a || a->unserved_fd < 0 || ncpu <= 0 || ncpu > 4096)
		return 0;
	uint64_t vals[ncpu];
	if (bpf_map_lookup_elem(a->unserved_fd, &key, vals) < 0)
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static int axdp_probe(const struct engine_conf *conf, struct engine_caps *caps, struct errbuf *why)
{
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	engine_caps_iface(conf->name, caps);
	if (fd < 0)
		return errbuf_set(why, -errno, "AF_XDP sockets unavailable: %s", strerror(errno));
	close(fd);
	return 0;
}

const struct engine_ops engine_af_xdp_ops = {
	.name = "af_xdp",
	.probe = axdp_probe,
	.open = axdp_open,
	.close = axdp_close,
	.tx_frames = axdp_tx_frames,
	.tx_submit = axdp_tx_submit,
	.rx_burst = axdp_rx,
	.set_filter = axdp_set_filter,
	.stats = axdp_stats,
	.rx_unserved = axdp_unserved,
	.rx_changed = axdp_rx_changed,
};
