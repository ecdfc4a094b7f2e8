/* Bare AF_XDP sender for bench/xdp.sh: the ceiling scand's af_xdp engine is
 * compared to. One pre-built TCP SYN (198.18.0.0/15 only) that every descriptor
 * points at, copy mode, need_wakeup kicks, batched TX ring, completion reaping. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "netinfo.h"
#include "parse.h"
#include "probe.h"

#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux >= 6.17: descriptors per sendto in copy mode */
#endif
#define FRAME_SIZE 2048u
#define MIN_FRAME 60u /* Ethernet minimum without FCS */

struct bare_opts {
	const char *ifname, *src, *dst, *gw;
	unsigned queue, batch, ring, budget, frames;
	int core;
	double seconds, warmup;
	bool scand_frame, write;
};

/* Counters of one measured window. */
struct bare_count {
	uint64_t sent, kicks, kick_again, kick_other, empty_polls;
};

/* The frames are written once, before the socket exists, and (without
 * --write) never again, so descriptors may point at a frame that is still in
 * flight: the kernel only reads it (copy mode copies it into an skb). With
 * --write each frame is rewritten just before it is queued, as scand does;
 * the frame count must then exceed the ring so no queued frame is rewritten. */
struct bare {
	uint8_t *area;
	size_t size;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod tx, fill;
	struct xsk_ring_cons comp;
	unsigned nframes, next, outstanding, ring, len;
	bool write;
	uint8_t frame[PROBE_MAX_LEN];
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsk_bare -i IFNAME [-q QUEUE] [-c CORE] [-d SECONDS] [-w SECONDS]\n"
		"                [-b BATCH] [-r RING] [-B BUDGET] [-n FRAMES] [-s SRC] [-t DST] [-g MAC]\n"
		"                [--scand-frame] [--write]\n"
		"Sends one pre-built TCP SYN SRC -> DST (both inside 198.18.0.0/15) from an\n"
		"AF_XDP socket in copy mode on IFNAME queue QUEUE, pinned to CORE, as fast as\n"
		"the kernel takes it, and prints the rate over SECONDS after a warm-up.\n"
		"defaults: -q 0, no pinning, -d 2, -w 1, -b 64, -r 2048 (TX and completion\n"
		"ring), -B 0 (kernel default, 32 per sendto), -n 1 (UMEM frames holding the\n"
		"frame, used in turn; more frames = a colder cache), -s 198.18.0.100, -t 198.18.1.1,\n"
		"-g: the neighbour-table MAC of the next hop to DST; 60-byte frame without TCP\n"
		"options, or scand's 74-byte SYN (MSS, SACK, TS, WS) with --scand-frame.\n"
		"--write copies the frame into its UMEM chunk before queueing it (as scand\n"
		"does; needs -n > -r): shows what the distance between write and send costs.\n");
}

static int parse_num(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_seconds(const char *s, double min, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !(v >= min) || v > 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_opt(int c, const char *arg, struct bare_opts *o)
{
	unsigned core = 0;
	int r;

	switch (c) {
	case 'i':
		o->ifname = arg;
		return 0;
	case 's':
		o->src = arg;
		return 0;
	case 't':
		o->dst = arg;
		return 0;
	case 'g':
		o->gw = arg;
		return 0;
	case 'F':
		o->scand_frame = true;
		return 0;
	case 'W':
		o->write = true;
		return 0;
	case 'q':
		return parse_num(arg, 0, 1023, &o->queue);
	case 'b':
		return parse_num(arg, 1, 4096, &o->batch);
	case 'r':
		return parse_num(arg, 64, 16384, &o->ring);
	case 'B':
		return parse_num(arg, 0, 16384, &o->budget);
	case 'n':
		return parse_num(arg, 1, 32768, &o->frames);
	case 'c':
		if ((r = parse_num(arg, 0, CPU_SETSIZE - 1, &core)) == 0)
			o->core = (int)core;
		return r;
	case 'd':
		return parse_seconds(arg, 0.01, &o->seconds);
	case 'w':
		return parse_seconds(arg, 0, &o->warmup);
	default:
		return -EINVAL;
	}
}

static int parse_args(int argc, char **argv, struct bare_opts *o)
{
	static const struct option lo[] = {
		{ "scand-frame", no_argument, NULL, 'F' },
		{ "write", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	*o = (struct bare_opts){ .src = "198.18.0.100", .dst = "198.18.1.1", .batch = 64,
				 .ring = 2048, .frames = 1, .core = -1, .seconds = 2, .warmup = 1 };
	while ((c = getopt_long(argc, argv, "i:q:c:d:w:b:r:B:n:s:t:g:h", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (parse_opt(c, optarg, o) < 0) {
			fprintf(stderr, "xsk_bare: bad option -%c %s\n", c, optarg ? optarg : "");
			return -EINVAL;
		}
	}
	if (!o->ifname || optind != argc || (o->ring & (o->ring - 1)) || o->batch > o->ring ||
	    (o->write && o->frames <= o->ring)) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Benchmarks may only ever address the RFC 2544 range. */
static int bench_addr(const char *s, struct ipaddr *a)
{
	if (ipaddr_parse(s, a) < 0 || a->af != AF_INET || (a->v >> 17) != (0xc6120000u >> 17)) {
		fprintf(stderr, "xsk_bare: %s is not an IPv4 address inside 198.18.0.0/15; "
				"benchmarks only send to the benchmarking range\n", s);
		return -EINVAL;
	}
	return 0;
}

/* Builds the frame with scand's own probe builder (valid checksums). */
static int build_frame(const struct bare_opts *o, uint8_t *frame, unsigned *len)
{
	struct ipaddr src, dst;
	struct probe_opts po;
	struct probe_tmpl t;
	struct errbuf e = { { 0 } };
	uint8_t smac[6], dmac[6];
	unsigned mtu;
	int ifindex, r;
	bool up;

	if (bench_addr(o->src, &src) < 0 || bench_addr(o->dst, &dst) < 0)
		return -EINVAL;
	if ((r = netinfo_iface(o->ifname, &ifindex, smac, &mtu, &up, &e)) < 0 ||
	    (r = o->gw ? mac_parse(o->gw, dmac) : netinfo_gateway_mac(o->ifname, &dst, dmac, &e)) < 0) {
		fprintf(stderr, "xsk_bare: %s\n", e.msg[0] ? e.msg : "-g: bad MAC (want aa:bb:cc:dd:ee:ff)");
		return r;
	}
	probe_opts_default(&po);
	if (!o->scand_frame)
		po.mss = po.sack_perm = po.timestamps = po.wscale = false;
	if ((r = probe_tmpl_init(&t, smac, dmac, &src, &po)) < 0)
		return r;
	memset(frame, 0, MIN_FRAME);
	*len = probe_build(&t, frame, &dst, 80, 40000, 0x12345678u, 1, 1);
	*len = MAX(*len, MIN_FRAME); /* the tail is Ethernet padding */
	return 0;
}

static void bare_close(struct bare *b)
{
	if (b->xsk)
		xsk_socket__delete(b->xsk);
	if (b->umem)
		xsk_umem__delete(b->umem);
	if (b->area)
		munmap(b->area, b->size);
	memset(b, 0, sizeof(*b));
}

static int socket_open(struct bare *b, const struct bare_opts *o)
{
	struct xsk_umem_config uc = { .fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
				      .comp_size = o->ring, .frame_size = FRAME_SIZE };
	/* TX only: no RX ring, so libxdp loads no XDP program either way */
	struct xsk_socket_config sc = { .tx_size = o->ring,
					.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP };
	int r = xsk_umem__create(&b->umem, b->area, b->size, &b->fill, &b->comp, &uc);
	if (r < 0) {
		b->umem = NULL;
		fprintf(stderr, "xsk_bare: UMEM of %zu KiB: %s (root, or ulimit -l unlimited)\n",
			b->size / 1024, strerror(-r));
		return r;
	}
	/* a queue released a moment ago (the previous run) stays EBUSY for a while */
	for (unsigned waited = 0;
	     (r = xsk_socket__create(&b->xsk, o->ifname, o->queue, b->umem, NULL, &b->tx, &sc)) == -EBUSY &&
	     waited < 3000;
	     waited += 50)
		usleep(50000);
	if (r < 0) {
		b->xsk = NULL;
		fprintf(stderr, "xsk_bare: AF_XDP socket on %s queue %u: %s%s\n", o->ifname, o->queue,
			strerror(-r), r == -EINVAL ? " (queue beyond the device's TX queues?)" : "");
		return r;
	}
	if (o->budget) {
		unsigned v = o->budget;
		if (setsockopt(xsk_socket__fd(b->xsk), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &v, sizeof(v)) < 0) {
			r = -errno;
			fprintf(stderr, "xsk_bare: XDP_MAX_TX_SKB_BUDGET %u: %s (Linux >= 6.17; 32..ring)\n",
				v, strerror(errno));
			return r;
		}
	}
	return 0;
}

/* A UMEM of o->frames chunks, each holding the frame. */
static int bare_open(struct bare *b, const struct bare_opts *o, const uint8_t *frame, unsigned len)
{
	int r;
	memset(b, 0, sizeof(*b));
	b->nframes = o->frames;
	b->ring = o->ring;
	b->write = o->write;
	b->len = len;
	memcpy(b->frame, frame, len);
	b->size = (size_t)b->nframes * FRAME_SIZE;
	b->area = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->area == MAP_FAILED) {
		r = -errno;
		b->area = NULL;
		fprintf(stderr, "xsk_bare: cannot map %zu KiB of UMEM: %s\n", b->size / 1024, strerror(-r));
		return r;
	}
	for (unsigned i = 0; i < b->nframes; i++)
		memcpy(b->area + (size_t)i * FRAME_SIZE, frame, len);
	if ((r = socket_open(b, o)) < 0)
		bare_close(b);
	return r;
}

/* Completions only count: every frame is reusable at any time. */
static inline void reap(struct bare *b, struct bare_count *c)
{
	uint32_t idx = 0;
	unsigned n = xsk_ring_cons__peek(&b->comp, b->ring, &idx);
	xsk_ring_cons__release(&b->comp, n);
	b->outstanding -= n;
	c->sent += n;
}

static inline void kick(struct bare *b, struct bare_count *c)
{
	if (!xsk_ring_prod__needs_wakeup(&b->tx))
		return;
	c->kicks++;
	if (sendto(xsk_socket__fd(b->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return;
	if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS)
		c->kick_again++; /* the kernel stopped at its budget or the queue is busy */
	else
		c->kick_other++;
}

/* One round: reap completions, queue up to a batch, kick. */
static inline void round_once(struct bare *b, unsigned batch, struct bare_count *c)
{
	uint32_t idx = 0;
	unsigned k;
	reap(b, c);
	k = MIN(batch, b->ring - b->outstanding); /* completion ring never overflows */
	if (k && xsk_ring_prod__reserve(&b->tx, k, &idx) == k) {
		for (unsigned i = 0; i < k; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&b->tx, idx + i);
			d->addr = (uint64_t)b->next * FRAME_SIZE;
			d->len = b->len;
			if (b->write)
				memcpy(b->area + d->addr, b->frame, b->len);
			b->next = b->next + 1 == b->nframes ? 0 : b->next + 1;
		}
		xsk_ring_prod__submit(&b->tx, k);
		b->outstanding += k;
	} else {
		c->empty_polls++;
	}
	kick(b, c);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs rounds until `until` (or a signal); returns the counts of that span. */
static struct bare_count run_until(struct bare *b, const struct bare_opts *o, double until)
{
	struct bare_count c = { 0 };
	while (!stop_flag) {
		for (int i = 0; i < 64; i++)
			round_once(b, o->batch, &c);
		if (now_s() >= until)
			break;
	}
	return c;
}

static int pin(int core)
{
	cpu_set_t set;
	if (core < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		int r = -errno;
		fprintf(stderr, "xsk_bare: cannot pin to core %d: %s (see nproc)\n", core, strerror(-r));
		return r;
	}
	return 0;
}

static void report(const struct bare_opts *o, const struct bare_count *c, double secs, double cpu,
		   unsigned len)
{
	printf("xsk_bare: if=%s queue=%u core=%d mode=copy frame=%u frames=%u batch=%u ring=%u budget=%u "
	       "seconds=%.3f sent=%" PRIu64 " pps=%.0f kicks=%" PRIu64 " pkts_per_kick=%.1f "
	       "kick_eagain=%" PRIu64 " kick_errors=%" PRIu64 " ring_full_rounds=%" PRIu64
	       " cpu=%.0f%% cpu_ns_per_pkt=%.0f\n",
	       o->ifname, o->queue, o->core, len, o->frames, o->batch, o->ring, o->budget ? o->budget : 32,
	       secs, c->sent, (double)c->sent / secs, c->kicks,
	       c->kicks ? (double)c->sent / (double)c->kicks : 0.0, c->kick_again, c->kick_other,
	       c->empty_polls, 100.0 * cpu / secs, c->sent ? cpu * 1e9 / (double)c->sent : 0.0);
}

int main(int argc, char **argv)
{
	struct bare_opts o;
	struct bare b;
	struct bare_count c;
	uint8_t frame[PROBE_MAX_LEN];
	unsigned len = 0;
	double t0, c0;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (build_frame(&o, frame, &len) < 0 || pin(o.core) < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (bare_open(&b, &o, frame, len) < 0)
		return 1;
	run_until(&b, &o, now_s() + o.warmup);
	t0 = now_s();
	c0 = cpu_s();
	c = run_until(&b, &o, t0 + o.seconds);
	report(&o, &c, now_s() - t0, cpu_s() - c0, len);
	if (c.kick_other)
		fprintf(stderr, "xsk_bare: %" PRIu64 " sendto kicks failed with errors other than EAGAIN/EBUSY/ENOBUFS\n",
			c.kick_other);
	bare_close(&b);
	return c.sent ? 0 : 1;
}
