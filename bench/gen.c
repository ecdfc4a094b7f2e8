/* Single-core probe generation benchmark: permutation + space_at (blocklist
 * applied) + validator_cookie + probe_build into a buffer ring, no I/O. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "permute.h"
#include "probe.h"
#include "space.h"
#include "validate.h"

#define MAX_EXPRS 64
#define RING 64 /* frames in flight, like one TX burst */

struct bench_opts {
	const char *targets[MAX_EXPRS];
	size_t ntargets;
	const char *block[MAX_EXPRS];
	size_t nblock;
	const char *ports, *src4, *src6;
	uint64_t count, seed;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-gen [-t TARGETS]... [-p PORTS] [-n COUNT] [-s SEED]\n"
		   "                 [-b BLOCK_CIDR]... [--source-ip IP] [--source-ip6 IP]\n"
		   "defaults: -t 198.18.0.0/16 -p 21,22,25,80,110,143,443,3389,8080,8443\n"
		   "          -n 20000000 -s 1; no blocklist (-b carves holes)\n"
		   "COUNT may exceed the space: positions wrap around.\n");
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "targets", required_argument, NULL, 't' },
		{ "ports", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "blocklist", required_argument, NULL, 'b' },
		{ "source-ip", required_argument, NULL, 'S' },
		{ "source-ip6", required_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct bench_opts){ .ports = "21,22,25,80,110,143,443,3389,8080,8443",
				  .src4 = "198.18.0.100", .src6 = "2001:db8::100",
				  .count = 20000000, .seed = 1 };
	while ((c = getopt_long(argc, argv, "t:p:n:s:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (o->ntargets == MAX_EXPRS)
				return -E2BIG;
			o->targets[o->ntargets++] = optarg;
			break;
		case 'b':
			if (o->nblock == MAX_EXPRS)
				return -E2BIG;
			o->block[o->nblock++] = optarg;
			break;
		case 'p':
			o->ports = optarg;
			break;
		case 'n':
			o->count = strtoull(optarg, NULL, 0);
			break;
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			o->src4 = optarg;
			break;
		case '6':
			o->src6 = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || o->count == 0)
		return -EINVAL;
	if (!o->ntargets)
		o->targets[o->ntargets++] = "198.18.0.0/16";
	return 0;
}

static int build_space(const struct bench_opts *o, struct space *sp, struct errbuf *err)
{
	struct range_set v4, v6;
	struct port_list ports = { 0 };
	struct cidr_list block;
	int r;

	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	cidr_list_init(&block);
	r = targets_parse(o->targets, o->ntargets, 0, 0, &v4, &v6, err);
	if (r == 0)
		r = ports_parse(o->ports, &ports, err);
	for (size_t i = 0; r == 0 && i < o->nblock; i++)
		r = cidr_list_add(&block, o->block[i], err);
	if (r == 0) {
		cidr_list_normalize(&block);
		r = space_build(sp, &v4, &v6, &ports, &block, err);
	}
	ranges_free(&v4);
	ranges_free(&v6);
	ports_free(&ports);
	cidr_list_free(&block);
	return r;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The measured loop: what a worker does per probe, minus the engine. */
static uint64_t generate(const struct space *sp, const struct permutation *perm,
			 const struct validator *v, const struct probe_tmpl *t4,
			 const struct probe_tmpl *t6, uint64_t count)
{
	static uint8_t ring[RING][PROBE_MAX_LEN];
	uint64_t pos = 0, sink = 0;

	for (uint64_t i = 0; i < count; i++) {
		struct ipaddr dst;
		uint16_t port, sport;
		uint32_t seq;
		uint64_t idx = perm_at(perm, pos);

		if (++pos == perm->n)
			pos = 0;
		space_at(sp, idx, &dst, &port);
		const struct probe_tmpl *t = dst.af == AF_INET ? t4 : t6;
		validator_cookie(v, &t->src, &dst, port, &seq, &sport);
		uint8_t *out = ring[i % RING];
		uint16_t len = probe_build(t, out, &dst, port, sport, seq, (uint16_t)i, seq ^ 0x5a5a);
		sink += out[len - 1] + out[t->l4_off + 16]; /* keep the work observable */
	}
	return sink;
}

int main(int argc, char **argv)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };
	struct bench_opts o;
	struct errbuf err = { "" };
	struct space sp;
	struct permutation perm;
	struct validator v = { .sport_lo = 40000, .sport_n = 64 };
	struct probe_tmpl t4, t6;
	struct ipaddr s4, s6;
	int r;

	if ((r = parse_args(argc, argv, &o)) != 0) {
		if (r < 0)
			usage(stderr);
		return r < 0 ? 2 : 0;
	}
	if (ipaddr_parse(o.src4, &s4) < 0 || s4.af != AF_INET || ipaddr_parse(o.src6, &s6) < 0 ||
	    s6.af != AF_INET6) {
		fprintf(stderr, "bench-gen: bad source address: pass an IPv4 literal to "
				"--source-ip and an IPv6 literal to --source-ip6\n");
		return 2;
	}
	if ((r = build_space(&o, &sp, &err)) < 0) {
		fprintf(stderr, "bench-gen: %s\n", err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	for (int i = 0; i < 16; i++)
		v.key[i] = (uint8_t)(o.seed * 131 + (uint64_t)i * 7);
	perm_init(&perm, sp.total, o.seed);
	if (probe_tmpl_init(&t4, smac, dmac, &s4, NULL) < 0 ||
	    probe_tmpl_init(&t6, smac, dmac, &s6, NULL) < 0) {
		fprintf(stderr, "bench-gen: probe template failed\n");
		space_free(&sp);
		return 1;
	}

	double t0 = now_s();
	uint64_t sink = generate(&sp, &perm, &v, &t4, &t6, o.count);
	double dt = now_s() - t0;

	printf("bench-gen: space=%" PRIu64 " probes=%" PRIu64 " seconds=%.6f "
	       "probes_per_sec=%.0f ns_per_probe=%.1f sink=%" PRIx64 "\n",
	       sp.total, o.count, dt, (double)o.count / dt, dt * 1e9 / (double)o.count, sink);
	space_free(&sp);
	return 0;
}
