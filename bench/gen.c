/* Single-core probe generation benchmark: permutation + space_at (blocklist
 * applied) + the probe module's burst build (cookie + frame) into a buffer
 * ring, as a queue worker does it, no I/O. -P picks the module. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "permute.h"
#include "probe_module.h"
#include "space.h"

#define MAX_EXPRS 64
#define RING 64 /* frames in flight, like one TX burst */

struct bench_opts {
	const char *targets[MAX_EXPRS];
	size_t ntargets;
	const char *block[MAX_EXPRS];
	size_t nblock;
	const char *ports, *src4, *src6, *module, *args;
	uint64_t count, seed;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-gen [-t TARGETS]... [-p PORTS] [-n COUNT] [-s SEED]\n"
		   "                 [-b BLOCK_CIDR]... [--source-ip IP] [--source-ip6 IP]\n"
		   "                 [-P tcp_syn|icmp_echo|udp] [-a PROBE_ARGS]\n"
		   "defaults: -t 198.18.0.0/16 -p 21,22,25,80,110,143,443,3389,8080,8443\n"
		   "          -n 20000000 -s 1; no blocklist (-b carves holes);\n"
		   "          -P tcp_syn -a linux (the option set of the earlier benchmarks)\n"
		   "PROBE_ARGS: tcp_syn an option set; udp text:, hex:, file:, template: (one\n"
		   "payload) or payloads:FILE; icmp_echo none (and -p is ignored).\n"
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
		{ "probe", required_argument, NULL, 'P' },
		{ "probe-args", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct bench_opts){ .ports = "21,22,25,80,110,143,443,3389,8080,8443",
				  .src4 = "198.18.0.100", .src6 = "2001:db8::100",
				  .module = "tcp_syn", .count = 20000000, .seed = 1 };
	while ((c = getopt_long(argc, argv, "t:p:n:s:b:P:a:h", lo, NULL)) != -1) {
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
		case 'P':
			o->module = optarg;
			break;
		case 'a':
			o->args = optarg;
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

static int build_space(const struct bench_opts *o, const struct probe_module *mod, struct space *sp,
		       struct errbuf *err)
{
	struct range_set v4, v6;
	struct port_list ports = { 0 };
	struct cidr_list block;
	int r;

	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	cidr_list_init(&block);
	r = targets_parse(o->targets, o->ntargets, 0, 0, &v4, &v6, err);
	if (r == 0 && !mod->ports) { /* one probe per host: the space's port 0 */
		ports.port = calloc(1, sizeof(*ports.port));
		ports.n = 1;
	} else if (r == 0) {
		r = ports_parse(o->ports, &ports, err);
	}
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

/* The measured loop: what a worker does per burst, minus the engine --
 * RING destinations from the permutation, then one module build. */
static uint64_t generate(const struct space *sp, const struct permutation *perm,
			 const struct validator *v, const struct probe_module *m,
			 const struct probe_tmpl *t4, const struct probe_tmpl *t6, uint64_t count)
{
	static uint8_t ring[RING][PROBE_MAX_LEN];
	static uint8_t *bufs[RING];
	struct probe_dst d[RING];
	uint16_t lens[RING];
	uint64_t pos = 0, sink = 0;

	for (unsigned i = 0; i < RING; i++)
		bufs[i] = ring[i];
	for (uint64_t i = 0; i < count; i += RING) {
		unsigned n = count - i < RING ? (unsigned)(count - i) : RING;
		for (unsigned k = 0; k < n; k++) {
			space_at(sp, perm_at(perm, pos), &d[k].ip, &d[k].port);
			if (++pos == perm->n)
				pos = 0;
		}
		m->build(t4, t6, v, bufs, d, n, (uint16_t)i, lens);
		sink += ring[n - 1][lens[n - 1] - 1] + ring[0][lens[0] - 2]; /* keep the work observable */
	}
	return sink;
}

/* The module's arguments from -a (tcp_syn: an option set, default linux). */
static int bench_args(const struct bench_opts *o, struct probe_args *a, struct errbuf *err)
{
	const char *args = o->args;
	if (a->mod->id == PROBE_TCP_SYN)
		return probe_args_field(a, "options", args ? args : "linux", err);
	if (!args)
		return 0;
	if (a->mod->id != PROBE_UDP)
		return errbuf_set(err, -EINVAL, "%s takes no -a", a->mod->name);
	if (!strncmp(args, "payloads:", 9))
		return udp_payload_file(args + 9, &a->payloads, err);
	return udp_payload_one(args, ".", &a->payloads, err);
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
	struct probe_frame f4 = { .src = { 0 } }, f6;
	struct probe_args a;
	const struct probe_module *mod;
	int r;

	if ((r = parse_args(argc, argv, &o)) != 0) {
		if (r < 0)
			usage(stderr);
		return r < 0 ? 2 : 0;
	}
	if (!(mod = probe_module_find(o.module))) {
		fprintf(stderr, "bench-gen: unknown probe module %s; use %s\n", o.module, probe_module_names());
		return 2;
	}
	probe_args_init(&a, mod);
	if (bench_args(&o, &a, &err) < 0) {
		fprintf(stderr, "bench-gen: -a: %s\n", err.msg);
		return 2;
	}
	memcpy(f4.smac, smac, 6);
	memcpy(f4.dmac, dmac, 6);
	f6 = f4;
	if (ipaddr_parse(o.src4, &f4.src) < 0 || f4.src.af != AF_INET ||
	    ipaddr_parse(o.src6, &f6.src) < 0 || f6.src.af != AF_INET6) {
		fprintf(stderr, "bench-gen: bad source address: pass an IPv4 literal to "
				"--source-ip and an IPv6 literal to --source-ip6\n");
		return 2;
	}
	if ((r = build_space(&o, mod, &sp, &err)) < 0) {
		fprintf(stderr, "bench-gen: %s\n", err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	for (int i = 0; i < 16; i++)
		v.key[i] = (uint8_t)(o.seed * 131 + (uint64_t)i * 7);
	perm_init(&perm, sp.total, o.seed);
	if (mod->tmpl_init(&t4, &a, &f4, &v) < 0 || mod->tmpl_init(&t6, &a, &f6, &v) < 0) {
		fprintf(stderr, "bench-gen: probe template failed\n");
		space_free(&sp);
		return 1;
	}

	double t0 = now_s();
	uint64_t sink = generate(&sp, &perm, &v, mod, &t4, &t6, o.count);
	double dt = now_s() - t0;

	printf("bench-gen: probe=%s space=%" PRIu64 " probes=%" PRIu64 " seconds=%.6f "
	       "probes_per_sec=%.0f ns_per_probe=%.1f tmpl_len=%u/%u sink=%" PRIx64 "\n",
	       mod->name, sp.total, o.count, dt, (double)o.count / dt, dt * 1e9 / (double)o.count,
	       t4.len, t6.len, sink);
	space_free(&sp);
	probe_args_free(&a);
	return 0;
}
