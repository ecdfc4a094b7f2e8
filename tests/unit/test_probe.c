/* Probe frames: field values, option layout and checksums checked against an
 * independent RFC 1071 implementation, and decoded by tshark from a pcap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

static const uint8_t SMAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t DMAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

#define TEST_SEED 0x9e3779b97f4a7c15ull
#include "testutil.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static uint16_t ref_csum(const uint8_t *b, size_t n)
{
	return ref_sum(NULL, 0, b, n);
}

/* TCP checksum over pseudo header + segment, checksum field included: a
 * correct segment sums to 0. */
static uint16_t ref_tcp_check(const uint8_t *frame, int af)
{
	uint8_t buf[256];
	size_t n = 0, l3 = 14, l4, seglen;

	if (af == AF_INET) {
		l4 = l3 + 20;
		seglen = be16(frame + l3 + 2) - 20;
		memcpy(buf, frame + l3 + 12, 8); /* src, dst */
		n = 8;
		buf[n++] = 0;
		buf[n++] = 6;
		buf[n++] = (uint8_t)(seglen >> 8);
		buf[n++] = (uint8_t)seglen;
	} else {
		l4 = l3 + 40;
		seglen = be16(frame + l3 + 4);
		memcpy(buf, frame + l3 + 8, 32);
		n = 32;
		memset(buf + n, 0, 3);
		n += 3;
		buf[n++] = 6;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = (uint8_t)(seglen >> 8);
		buf[n++] = (uint8_t)seglen;
	}
	memcpy(buf + n, frame + l4, seglen);
	return ref_csum(buf, n + seglen);
}

struct opts_seen {
	int mss, ws, sack, ts; /* -1 absent */
	uint32_t tsval, tsecr;
	size_t tsval_at;
};

/* Walks TCP options like a receiver would; fails the test on malformed ones. */
static struct opts_seen walk_opts(const uint8_t *o, size_t n, size_t base)
{
	struct opts_seen s = { -1, -1, -1, -1, 0, 0, 0 };
	size_t i = 0;

	while (i < n) {
		uint8_t k = o[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		assert_true(i + 1 < n);
		uint8_t l = o[i + 1];
		assert_true(l >= 2 && i + l <= n);
		if (k == 2) {
			assert_int_equal(l, 4);
			s.mss = be16(o + i + 2);
		} else if (k == 3) {
			assert_int_equal(l, 3);
			s.ws = o[i + 2];
		} else if (k == 4) {
			assert_int_equal(l, 2);
			s.sack = 1;
		} else if (k == 8) {
			assert_int_equal(l, 10);
			s.ts = 1;
			s.tsval = be32(o + i + 2);
			s.tsecr = be32(o + i + 6);
			s.tsval_at = base + i + 2;
		} else {
			fail_msg("unexpected TCP option kind %u", k);
		}
		i += l;
	}
	return s;
}

static struct ipaddr rand_addr(int af)
{
	struct ipaddr a = { .af = (uint8_t)af };
	if (af == AF_INET)
		a.v = 0xc6120000u | (rnd() & 0x1ffff); /* 198.18.0.0/15 */
	else
		a.v = ((u128)0x20010db8u << 96) | ((u128)rnd() << 32) | (uint32_t)rnd();
	return a;
}

static void check_frame(const struct probe_tmpl *t, const uint8_t *f, uint16_t len,
			const struct probe_opts *o, const struct ipaddr *dst, uint16_t dport,
			uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval)
{
	int af = t->af;
	size_t l3 = 14, l4 = af == AF_INET ? 34 : 54;
	uint8_t want[16], srcb[16];

	assert_int_equal(len, t->len);
	assert_memory_equal(f, DMAC, 6);
	assert_memory_equal(f + 6, SMAC, 6);
	ipaddr_to_bytes(dst, want);
	ipaddr_to_bytes(&t->src, srcb);
	if (af == AF_INET) {
		assert_int_equal(be16(f + 12), 0x0800);
		assert_int_equal(f[l3], 0x45);
		assert_int_equal(be16(f + l3 + 2), len - 14);
		assert_int_equal(be16(f + l3 + 4), ipid);
		assert_int_equal(be16(f + l3 + 6), 0x4000); /* DF, offset 0 */
		assert_int_equal(f[l3 + 8], o->ttl);
		assert_int_equal(f[l3 + 9], 6);
		assert_memory_equal(f + l3 + 12, srcb, 4);
		assert_memory_equal(f + l3 + 16, want, 4);
		assert_int_equal(ref_csum(f + l3, 20), 0);
	} else {
		assert_int_equal(be16(f + 12), 0x86dd);
		assert_int_equal(be32(f + l3), 6u << 28);
		assert_int_equal(be16(f + l3 + 4), len - 54);
		assert_int_equal(f[l3 + 6], 6);
		assert_int_equal(f[l3 + 7], o->ttl);
		assert_memory_equal(f + l3 + 8, srcb, 16);
		assert_memory_equal(f + l3 + 24, want, 16);
	}
	assert_int_equal(be16(f + l4), sport);
	assert_int_equal(be16(f + l4 + 2), dport);
	assert_int_equal(be32(f + l4 + 4), seq);
	assert_int_equal(be32(f + l4 + 8), 0);
	size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
	assert_int_equal(l4 + doff, len);
	assert_int_equal(f[l4 + 13], 0x02);
	assert_int_equal(be16(f + l4 + 14), o->window);
	assert_int_equal(be16(f + l4 + 18), 0);
	assert_int_equal(ref_tcp_check(f, af), 0);

	assert_int_equal((doff - 20) % 4, 0);
	struct opts_seen s = walk_opts(f + l4 + 20, doff - 20, l4 + 20);
	assert_int_equal(s.mss, o->mss ? o->mss_value : -1);
	assert_int_equal(s.ws, o->wscale ? o->wscale_value : -1);
	assert_int_equal(s.sack, o->sack_perm ? 1 : -1);
	assert_int_equal(s.ts, o->timestamps ? 1 : -1);
	if (o->timestamps) {
		assert_int_equal(s.tsval, tsval);
		assert_int_equal(s.tsecr, 0);
		assert_int_equal(s.tsval_at, t->tsval_off);
	} else {
		assert_int_equal(t->tsval_off, 0);
	}
}

static void test_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(csum_partial(b, sizeof(b), 0), 0xddf2);
	assert_int_equal(csum_fold(csum_partial(b, sizeof(b), 0)), 0x220d);
	assert_int_equal(csum_fold(0x1ffff), (uint16_t)~1u);
	/* odd length: trailing byte is the high byte of a padded word */
	assert_int_equal(csum_partial(b, 3, 0), 0xf201);
	for (int i = 0; i < 1000; i++) {
		uint8_t buf[61];
		size_t n = rnd() % sizeof(buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd();
		assert_int_equal(csum_fold(csum_partial(buf, n, 0)), ref_csum(buf, n));
	}
}

static void test_linux_default_options(void **state)
{
	(void)state;
	struct probe_opts o;
	struct probe_tmpl t;
	struct ipaddr src, dst;
	uint8_t f[PROBE_MAX_LEN];
	/* MSS 1460, SACK_PERM, TS (val, ecr 0), NOP, WS 7 */
	const uint8_t want[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
				   0, 0, 0, 0, 1, 3, 3, 7 };

	probe_opts_default(&o);
	assert_true(o.mss && o.sack_perm && o.timestamps && o.wscale);
	assert_int_equal(o.mss_value, 1460);
	assert_int_equal(o.wscale_value, 7);
	assert_int_equal(o.ttl, 64);
	assert_int_equal(o.window, 64240);
	assert_int_equal(ipaddr_parse("198.18.0.100", &src), 0);
	assert_int_equal(ipaddr_parse("198.18.1.7", &dst), 0);
	assert_int_equal(probe_tmpl_init(&t, SMAC, DMAC, &src, &o), 0);
	assert_int_equal(t.len, 14 + 20 + 40);
	assert_int_equal(probe_build(&t, f, &dst, 80, 40001, 0xdeadbeef, 7, 0x11223344), 74);
	assert_memory_equal(f + 34 + 20, want, 20);
	check_frame(&t, f, 74, &o, &dst, 80, 40001, 0xdeadbeef, 7, 0x11223344);

	assert_int_equal(ipaddr_parse("2001:db8::100", &src), 0);
	assert_int_equal(ipaddr_parse("2001:db8::1:7", &dst), 0);
	assert_int_equal(probe_tmpl_init(&t, SMAC, DMAC, &src, NULL), 0);
	assert_int_equal(t.len, 14 + 40 + 40);
	assert_int_equal(probe_build(&t, f, &dst, 443, 40002, 1, 0, 0x11223344), 94);
	assert_memory_equal(f + 54 + 20, want, 20);
	check_frame(&t, f, 94, &o, &dst, 443, 40002, 1, 0, 0x11223344);

	src.af = 0;
	assert_true(probe_tmpl_init(&t, SMAC, DMAC, &src, &o) < 0);
}

/* Every option subset, both families, random fields: checksums and values. */
static void test_random_probes_all_option_sets(void **state)
{
	(void)state;
	for (int af = 0; af < 2; af++) {
		for (unsigned mask = 0; mask < 16; mask++) {
			struct probe_opts o;
			struct probe_tmpl t;
			struct ipaddr src = rand_addr(af ? AF_INET6 : AF_INET);

			probe_opts_default(&o);
			o.mss = mask & 1, o.sack_perm = mask & 2;
			o.timestamps = mask & 4, o.wscale = mask & 8;
			o.mss_value = (uint16_t)(536 + rnd() % 9000);
			o.wscale_value = (uint8_t)(rnd() % 15);
			o.ttl = (uint8_t)(1 + rnd() % 255);
			o.window = (uint16_t)rnd();
			assert_int_equal(probe_tmpl_init(&t, SMAC, DMAC, &src, &o), 0);
			for (int i = 0; i < 2000; i++) {
				uint8_t f[PROBE_MAX_LEN];
				struct ipaddr dst = rand_addr(src.af);
				uint16_t dport = (uint16_t)rnd(), sport = (uint16_t)rnd();
				uint16_t ipid = (uint16_t)rnd();
				uint32_t seq = (uint32_t)rnd(), tsval = (uint32_t)rnd();
				if (i < 4) /* extremes: all-zero and all-one fields */
					dst.v = i & 1 ? (src.af == AF_INET ? 0xffffffffu : ~(u128)0) : 0,
					dport = sport = ipid = (uint16_t)(i & 1 ? 0xffff : 0),
					seq = tsval = i & 1 ? 0xffffffffu : 0;
				memset(f, 0xa5, sizeof(f));
				uint16_t len = probe_build(&t, f, &dst, dport, sport, seq, ipid, tsval);
				check_frame(&t, f, len, &o, &dst, dport, sport, seq, ipid, tsval);
				for (size_t k = len; k < sizeof(f); k++) /* nothing past the frame */
					assert_int_equal(f[k], 0xa5);
				if (i < 16) { /* exact-size buffer: ASan sees any overrun */
					uint8_t *x = malloc(t.len);
					assert_non_null(x);
					assert_int_equal(probe_build(&t, x, &dst, dport, sport, seq,
								     ipid, tsval), len);
					assert_memory_equal(x, f, len);
					free(x);
				}
			}
		}
	}
}

/* ---- pcap + tshark ---- */

static void pcap_write(FILE *fp, const uint8_t *f, uint16_t len, uint32_t i)
{
	uint32_t rec[4] = { 1700000000u + i / 1000, (i % 1000) * 1000, len, len };
	fwrite(rec, sizeof(rec), 1, fp);
	fwrite(f, len, 1, fp);
}

struct sent {
	char dst[64];
	uint16_t dport, sport;
	uint32_t seq, tsval;
};

static int tshark_lines(const char *cmd, char lines[][256], int max)
{
	FILE *p = popen(cmd, "r");
	char buf[256];
	int n = 0;

	assert_non_null(p);
	while (fgets(buf, sizeof(buf), p)) {
		if (n < max)
			memcpy(lines[n], buf, sizeof(buf));
		n++;
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

#define NPCAP 600

static void test_pcap_tshark(void **state)
{
	(void)state;
	static struct sent sent[NPCAP];
	static char lines[NPCAP + 1][256];
	char dir[] = "/tmp/test_probe.XXXXXX", path[128], cmd[1024];
	struct probe_tmpl t4, t6;
	struct ipaddr s4, s6;
	uint8_t f[PROBE_MAX_LEN];

	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		print_message("tshark not installed: skipping the pcap decode test "
			      "(install it with: apt-get install tshark)\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/probes.pcap", dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	uint32_t gh[6] = { 0xa1b2c3d4u, 2 | 4u << 16, 0, 0, 65535, 1 };
	fwrite(gh, sizeof(gh), 1, fp);

	assert_int_equal(ipaddr_parse("198.18.0.100", &s4), 0);
	assert_int_equal(ipaddr_parse("2001:db8::100", &s6), 0);
	assert_int_equal(probe_tmpl_init(&t4, SMAC, DMAC, &s4, NULL), 0);
	assert_int_equal(probe_tmpl_init(&t6, SMAC, DMAC, &s6, NULL), 0);
	for (uint32_t i = 0; i < NPCAP; i++) {
		const struct probe_tmpl *t = i % 2 ? &t6 : &t4;
		struct ipaddr dst = rand_addr(t->af);
		struct sent *s = &sent[i];
		s->dport = (uint16_t)(1 + rnd() % 65535);
		s->sport = (uint16_t)(40000 + i % 64);
		s->seq = (uint32_t)rnd();
		s->tsval = (uint32_t)rnd();
		ipaddr_str(&dst, s->dst, sizeof(s->dst));
		uint16_t len = probe_build(t, f, &dst, s->dport, s->sport, s->seq, (uint16_t)i,
					   s->tsval);
		pcap_write(fp, f, len, i);
	}
	assert_int_equal(fclose(fp), 0);

	/* 1. Nothing bad: checksum errors, malformed packets, expert warnings. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
		 "-Y '_ws.expert.severity >= warning || _ws.malformed || "
		 "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\"' "
		 "-T fields -e frame.number 2>/dev/null",
		 path);
	int bad = tshark_lines(cmd, lines, NPCAP);
	if (bad)
		print_message("first bad frame: %s", lines[0]);
	assert_int_equal(bad, 0);

	/* 2. Every frame decodes as a good-checksum SYN with our field values. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
		 "-Y 'tcp.flags == 0x002 && tcp.checksum.status == \"Good\" && "
		 "(ipv6 || ip.checksum.status == \"Good\") && tcp.options.mss_val == 1460 && "
		 "tcp.options.sack_perm && tcp.options.wscale.shift == 7' "
		 "-T fields -E separator=, -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.srcport "
		 "-e tcp.seq_raw -e tcp.options.timestamp.tsval 2>/dev/null",
		 path);
	int n = tshark_lines(cmd, lines, NPCAP + 1);
	assert_int_equal(n, NPCAP);
	for (int i = 0; i < NPCAP; i++) {
		char want[256];
		const struct sent *s = &sent[i];
		snprintf(want, sizeof(want), "%s%s%s,%u,%u,%u,%u\n", i % 2 ? "" : s->dst, ",",
			 i % 2 ? s->dst : "", s->dport, s->sport, s->seq, s->tsval);
		assert_string_equal(lines[i], want);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_linux_default_options),
		cmocka_unit_test(test_random_probes_all_option_sets),
		cmocka_unit_test(test_pcap_tshark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
