/* The probe modules end to end without a network: each module's probes
 * (fields and checksums against an independent RFC 1071 sum), the replies a
 * target or a router sends to them built from the probe's own bytes, and
 * parse -> validate -> classify; every mutation of a reply that a probe of
 * the job could not have caused is rejected. tcp_syn's option presets are
 * zmap's bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe_module.h"

#define TEST_SEED 0x2545f4914f6cdd1dull
#include "testutil.h"
#include "replyframes.h"

static const uint8_t SMAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t DMAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* Checks the IP header and the L4 checksum of a frame built by a module. */
static void check_sums(const uint8_t *f, uint16_t len)
{
	uint8_t ph[40] = { 0 };
	size_t phn;
	bool v4 = be16(f + 12) == 0x0800;
	const uint8_t *ip = f + 14, *l4 = v4 ? f + 34 : f + 54;
	size_t l4n = len - (size_t)(l4 - f);
	uint8_t proto = v4 ? ip[9] : ip[6];

	if (v4) {
		assert_int_equal(be16(ip + 2), len - 14);
		assert_int_equal(ref_sum(NULL, 0, ip, 20), 0);
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		ph[10] = (uint8_t)(l4n >> 8), ph[11] = (uint8_t)l4n;
		phn = proto == IPPROTO_ICMP ? 0 : 12;
	} else {
		assert_int_equal(be16(ip + 4), len - 54);
		memcpy(ph, ip + 8, 32);
		ph[34] = (uint8_t)(l4n >> 8), ph[35] = (uint8_t)l4n;
		ph[39] = proto;
		phn = 40;
	}
	assert_int_equal(ref_sum(ph, phn, l4, l4n), 0);
	if (proto == IPPROTO_UDP)
		assert_int_equal(be16(l4 + 4), l4n);
}

struct env {
	struct validator v;
	struct probe_args a;
	struct probe_tmpl t4, t6;
};

static void env_init(struct env *e, const struct probe_module *m, const char *payloads)
{
	struct probe_frame f = { .src = { 0 } };
	struct errbuf err;
	memset(e, 0, sizeof(*e));
	e->v.sport_lo = 40000;
	e->v.sport_n = 64;
	for (int i = 0; i < 16; i++)
		e->v.key[i] = (uint8_t)rnd();
	probe_args_init(&e->a, m);
	if (payloads && udp_payload_set_parse(payloads, "test", NULL, &e->a.payloads, &err) < 0)
		fail_msg("%s", err.msg);
	memcpy(f.smac, SMAC, 6);
	memcpy(f.dmac, DMAC, 6);
	ipaddr_parse("198.18.0.100", &f.src);
	assert_int_equal(m->tmpl_init(&e->t4, &e->a, &f, &e->v), 0);
	ipaddr_parse("2001:db8::100", &f.src);
	assert_int_equal(m->tmpl_init(&e->t6, &e->a, &f, &e->v), 0);
}

static void env_free(struct env *e)
{
	probe_args_free(&e->a);
}

static struct ipaddr rand_dst(int af)
{
	struct ipaddr a = { .af = (uint8_t)af };
	a.v = af == AF_INET ? 0xc6120100u | (rnd() & 0xff) : ((u128)0x20010db8u << 96) | 0x10000 | (rnd() & 0xffff);
	return a;
}

static uint16_t build_one(struct env *e, const struct ipaddr *dst, uint16_t port, uint8_t *f)
{
	struct probe_dst d = { *dst, port };
	uint8_t *bufs[1] = { f };
	uint16_t len = 0;
	e->a.mod->build(&e->t4, &e->t6, &e->v, bufs, &d, 1, 7, &len);
	assert_true(len >= 42 && len <= PROBE_MAX_LEN);
	return len;
}

/* parse + validate + classify of a reply frame; false when any step says no. */
static bool takes(const struct env *e, const uint8_t *f, size_t len, struct probe_row *row)
{
	uint8_t *c = heap_copy(f, len);
	struct reply r;
	bool ok = reply_parse(c, len, &r) == 0;
	free(c);
	const struct probe_tmpl *t = r.dst.af == AF_INET ? &e->t4 : &e->t6;
	if (!ok || r.dst.v != t->src.v || !e->a.mod->validate(t, &e->v, &r))
		return false;
	e->a.mod->classify(&r, row);
	return true;
}

static void test_registry(void **st)
{
	struct probe_args a;
	struct errbuf e;
	struct probe_rx_match m;
	struct validator v = { .sport_lo = 61000, .sport_n = 64 };
	(void)st;
	assert_ptr_equal(probe_module_find("tcp_syn"), &probe_tcp_syn);
	assert_ptr_equal(probe_module_find("icmp_echo"), &probe_icmp_echo);
	assert_ptr_equal(probe_module_find("udp"), &probe_udp);
	assert_null(probe_module_find("ntp"));
	for (unsigned i = 0; i < PROBE_NMODULES; i++)
		assert_int_equal(probe_module_get((enum probe_module_id)i)->id, i);
	assert_false(probe_icmp_echo.ports);
	assert_true(probe_udp.ports && probe_tcp_syn.ports);
	probe_args_init(&a, &probe_tcp_syn);
	assert_int_equal(a.tcp_options, TCP_SMALLEST); /* the default: the smallest */
	assert_int_equal(probe_args_field(&a, "options", "windows", &e), 0);
	assert_int_equal(a.tcp_options, TCP_WINDOWS);
	assert_true(probe_args_field(&a, "payload", "text:x", &e) < 0);
	assert_non_null(strstr(e.msg, "its fields: options"));
	probe_rx_match(&a, &v, &m);
	assert_true(m.proto == IPPROTO_TCP && m.lo == 61000 && m.hi == 61063);
	probe_args_init(&a, &probe_icmp_echo);
	probe_rx_match(&a, &v, &m);
	uint16_t id;
	uint32_t tag;
	icmp_echo_ids(&v, &id, &tag);
	assert_true(m.proto == IPPROTO_ICMP && m.lo == id && m.hi == id && m.tag == tag);
}

/* zmap's presets, byte for byte (packet.c set_tcp_options; zmap 4). */
static void test_tcp_presets(void **st)
{
	static const struct {
		const char *name;
		uint8_t opts[24];
		size_t n;
		uint16_t window;
	} want[] = {
		{ "smallest-probes", { 2, 4, 5, 0xb4 }, 4, 65535 },
		{ "windows", { 2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 }, 12, 64240 },
		{ "linux", { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7 }, 20, 64240 },
		{ "bsd", { 2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0 }, 24, 65535 },
	};
	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct env e;
		struct errbuf err;
		uint8_t f[PROBE_MAX_LEN];
		struct ipaddr d = rand_dst(AF_INET);
		env_init(&e, &probe_tcp_syn, NULL);
		assert_int_equal(probe_args_field(&e.a, "options", want[i].name, &err), 0);
		assert_string_equal(tcp_preset_name(e.a.tcp_options), want[i].name);
		struct probe_frame fr = { .src = e.t4.src };
		memcpy(fr.smac, SMAC, 6);
		memcpy(fr.dmac, DMAC, 6);
		assert_int_equal(probe_tcp_syn.tmpl_init(&e.t4, &e.a, &fr, &e.v), 0);
		uint16_t len = build_one(&e, &d, 443, f);
		assert_int_equal(len, 54 + want[i].n);
		assert_int_equal((f[34 + 12] >> 4) * 4, 20 + want[i].n);
		assert_int_equal(be16(f + 34 + 14), want[i].window);
		uint8_t got[24];
		memcpy(got, f + 54, want[i].n);
		if (want[i].n >= 20) /* TSval is per probe */
			memset(got + (i == 2 ? 8 : 12), 0, 4);
		assert_memory_equal(got, want[i].opts, want[i].n);
		check_sums(f, len);
		env_free(&e);
	}
}

static void test_echo(void **st)
{
	(void)st;
	for (int i = 0; i < 400; i++) {
		int af = i % 2 ? AF_INET6 : AF_INET;
		struct env e;
		uint8_t p[PROBE_MAX_LEN], r[PROBE_MAX_LEN + 100], x[PROBE_MAX_LEN + 100];
		struct ipaddr d = rand_dst(af), router;
		struct probe_row row;
		uint16_t id;
		uint32_t tag;
		env_init(&e, &probe_icmp_echo, NULL);
		icmp_echo_ids(&e.v, &id, &tag);
		uint16_t len = build_one(&e, &d, 0, p);
		size_t l4 = af == AF_INET ? 34 : 54;
		check_sums(p, len);
		assert_int_equal(len, l4 + 16);
		assert_int_equal(p[l4], af == AF_INET ? 8 : 128);
		assert_int_equal(be16(p + l4 + 4), id);
		assert_int_equal(be32(p + l4 + 8), tag);
		assert_int_equal(be16(p + l4 + 4), e.t4.icmp_id);

		/* the echo reply: up, no port */
		size_t n = mk_turned(p, len, r);
		r[l4] = af == AF_INET ? 0 : 129;
		assert_true(takes(&e, r, n, &row));
		assert_true(row.status == REPLY_UP && row.port == 0 && row.ip.v == d.v && row.ip.af == af);
		struct { size_t off; uint8_t x; } muts[] = {
			{ l4 + 1, 1 },	/* code */
			{ l4 + 4, 1 },	/* id */
			{ l4 + 6, 1 },	/* seq */
			{ l4 + 8, 1 },	/* tag */
			{ l4 + 13, 1 }, /* cookie data */
			{ af == AF_INET ? 26u : 22u + 15u, 1 }, /* from another host */
		};
		for (size_t k = 0; k < ARRAY_SIZE(muts); k++) {
			memcpy(x, r, n);
			x[muts[k].off] ^= muts[k].x;
			assert_false(takes(&e, x, n, &row));
		}
		mk_turned(p, len, x);
		x[l4] = af == AF_INET ? 0 : 129;
		if (af == AF_INET)
			x[16] = 0, x[17] = 20 + 8 + 7; /* payload cut to 7 bytes */
		else
			x[18] = 0, x[19] = 15;
		assert_false(takes(&e, x, n - 1, &row));
		struct env other;
		env_init(&other, &probe_icmp_echo, NULL);
		assert_false(takes(&other, r, n, &row)); /* another job's key */
		env_free(&other);

		/* an ICMP error from a router quoting the request: unreachable */
		router = rand_dst(af);
		uint8_t type = af == AF_INET ? 3 : 1, code = af == AF_INET ? 1 : 3;
		for (size_t q = 8; q <= 16; q += 8) { /* RFC 792's 8 bytes, or all of it */
			n = mk_error(p, len, q, type, code, &router, r);
			assert_true(takes(&e, r, n, &row));
			assert_true(row.status == REPLY_UNREACHABLE && row.ip.v == d.v && row.port == 0);
			assert_true(row.icmp_type == type && row.icmp_code == code);
		}
		n = mk_error(p, len, 8, af == AF_INET ? 11 : 3, 0, &router, r); /* time exceeded */
		assert_true(takes(&e, r, n, &row) && row.icmp_type == (af == AF_INET ? 11 : 3));
		size_t q0 = l4 + 8 + (af == AF_INET ? 20 : 40); /* the quoted ICMP header in r */
		for (size_t off = 0; off < 8; off += 2) {
			memcpy(x, r, n);
			x[q0 + off] ^= 0x10; /* quoted type, code/checksum, id, seq */
			assert_int_equal(takes(&e, x, n, &row), off == 2); /* the checksum is not checked */
		}
		memcpy(x, r, n);
		x[l4 + 8 + (af == AF_INET ? 12 : 8)] ^= 1; /* quoted source: not ours */
		assert_false(takes(&e, x, n, &row));
		for (size_t cut = 0; cut < n; cut++) /* truncated anywhere: never accepted, never read past */
			assert_false(takes(&e, r, cut, &row));
		env_free(&e);
	}
}

static void test_udp(void **st)
{
	(void)st;
	for (int i = 0; i < 400; i++) {
		int af = i % 2 ? AF_INET6 : AF_INET;
		struct env e;
		uint8_t p[PROBE_MAX_LEN], r[PROBE_MAX_LEN + 100], x[PROBE_MAX_LEN + 100];
		struct ipaddr d = rand_dst(af), router = rand_dst(af);
		struct probe_row row;
		uint16_t port = i % 3 == 0 ? 53 : i % 3 == 1 ? 161 : (uint16_t)(1000 + rnd() % 1000);
		env_init(&e, &probe_udp, "53 text:abc\n161,162 hex:0102030405\n");
		uint16_t len = build_one(&e, &d, port, p);
		size_t l4 = af == AF_INET ? 34 : 54;
		check_sums(p, len);
		assert_int_equal(be16(p + l4 + 2), port);
		uint16_t sport = be16(p + l4);
		uint32_t seq;
		uint16_t want_sport;
		validator_cookie(&e.v, af == AF_INET ? &e.t4.src : &e.t6.src, &d, port, &seq, &want_sport);
		assert_int_equal(sport, want_sport);
		if (port == 53)
			assert_true(len == l4 + 8 + 3 && memcmp(p + l4 + 8, "abc", 3) == 0);
		else if (port == 161)
			assert_true(len == l4 + 8 + 5 && p[l4 + 12] == 5);
		else
			assert_int_equal(len, l4 + 8); /* no rule: an empty datagram */

		size_t n = mk_udp_reply(p, len, r);
		assert_true(takes(&e, r, n, &row));
		assert_true(row.status == REPLY_OPEN && row.port == port && row.ip.v == d.v);
		memcpy(x, r, n);
		x[l4 + 3] ^= 1; /* to another of our ports */
		assert_false(takes(&e, x, n, &row));
		/* from another port: a reply to the probe of that port, which the
		 * source port (6 bits of cookie here) tells apart 63 times in 64 */
		memcpy(x, r, n);
		x[l4 + 1] ^= 1;
		validator_cookie(&e.v, af == AF_INET ? &e.t4.src : &e.t6.src, &d, port ^ 1, &seq, &want_sport);
		assert_int_equal(takes(&e, x, n, &row), want_sport == sport);

		/* port unreachable: closed; another error: unreachable, with port */
		n = mk_error(p, len, 8, af == AF_INET ? 3 : 1, af == AF_INET ? 3 : 4, &d, r);
		assert_true(takes(&e, r, n, &row));
		assert_true(row.status == REPLY_CLOSED && row.port == port && row.ip.v == d.v);
		n = mk_error(p, len, 8, af == AF_INET ? 3 : 1, af == AF_INET ? 13 : 1, &router, r);
		assert_true(takes(&e, r, n, &row));
		assert_true(row.status == REPLY_UNREACHABLE && row.port == port && row.ip.v == d.v);
		size_t q = l4 + 8 + (af == AF_INET ? 20 : 40);
		memcpy(x, r, n);
		x[q + 1] ^= 1; /* quoted source port */
		assert_false(takes(&e, x, n, &row));
		memcpy(x, r, n);
		x[q + 3] ^= 1; /* quoted destination port: another probe, told apart by its sport */
		assert_int_equal(takes(&e, x, n, &row), want_sport == sport);
		memcpy(x, r, n);
		x[l4 + 8 + (af == AF_INET ? 9 : 6)] = IPPROTO_TCP; /* quoting TCP: not a udp probe */
		assert_false(takes(&e, x, n, &row));
		for (size_t cut = 0; cut < n; cut++)
			assert_false(takes(&e, r, cut, &row));
		env_free(&e);
	}
}

/* zmap's template fields expand per probe; the same probe, the same bytes. */
static void test_udp_template(void **st)
{
	struct env e;
	uint8_t p[PROBE_MAX_LEN], p2[PROBE_MAX_LEN];
	struct ipaddr d;
	char want[200];
	(void)st;
	env_init(&e, &probe_udp,
		 "* template:${SADDR}>${DADDR}:${DPORT}/${SPORT} ${DPORT_N}${SADDR_N}|${RAND_DIGIT=6}|${RAND_ALPHA=3}\n");
	ipaddr_parse("198.18.1.77", &d);
	uint16_t len = build_one(&e, &d, 5353, p);
	check_sums(p, len);
	uint16_t sport = be16(p + 34);
	int n = snprintf(want, sizeof(want), "198.18.0.100>198.18.1.77:5353/%u ", sport);
	assert_memory_equal(p + 42, want, (size_t)n);
	assert_int_equal(be16(p + 42 + n), 5353);
	static const uint8_t saddr_n[4] = { 198, 18, 0, 100 };
	assert_memory_equal(p + 42 + n + 2, saddr_n, 4);
	assert_int_equal(p[42 + n + 6], '|');
	for (int k = 0; k < 6; k++)
		assert_true(p[42 + n + 7 + k] >= '0' && p[42 + n + 7 + k] <= '9');
	assert_int_equal(len, 42 + n + 6 + 1 + 6 + 1 + 3);
	assert_int_equal(build_one(&e, &d, 5353, p2), len);
	assert_memory_equal(p, p2, len);
	ipaddr_parse("2001:db8::5", &d);
	len = build_one(&e, &d, 53, p);
	check_sums(p, len);
	n = snprintf(want, sizeof(want), "2001:db8::100>2001:db8::5:53/%u ", be16(p + 54));
	assert_memory_equal(p + 62, want, (size_t)n);
	env_free(&e);
}

/* Frames of one module are never accepted by another's validation. */
static void test_cross(void **st)
{
	const struct probe_module *mods[] = { &probe_tcp_syn, &probe_icmp_echo, &probe_udp };
	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		struct env e;
		uint8_t p[PROBE_MAX_LEN], r[PROBE_MAX_LEN + 100];
		struct ipaddr d = rand_dst(AF_INET);
		struct probe_row row;
		env_init(&e, mods[i], NULL);
		uint16_t len = build_one(&e, &d, mods[i]->ports ? 53 : 0, p);
		size_t n = mk_error(p, len, 8, 3, 3, &d, r);
		for (size_t k = 0; k < ARRAY_SIZE(mods); k++) {
			struct env o = e;
			o.a.mod = mods[k];
			/* tcp_syn ignores ICMP errors; the others accept only their own */
			assert_int_equal(takes(&o, r, n, &row), k == i && mods[k] != &probe_tcp_syn);
		}
		env_free(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry), cmocka_unit_test(test_tcp_presets),
		cmocka_unit_test(test_echo),	 cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_template), cmocka_unit_test(test_cross),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
