/* af_packet's classic BPF program, run by a small interpreter of the
 * instructions it uses (out-of-bounds loads reject, as in the kernel): the
 * replies to the jobs' real probes pass, the host's own traffic to the same
 * address does not (its ping, DNS, ICMP errors about its packets), nor
 * anything to another address. The kernel accepts the program (attached to
 * a socket when we may open one). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "afp_filter.h"
#include "probe_module.h"

#define TEST_SEED 0x853c49e6748fea9bull
#include "testutil.h"
#include "replyframes.h"

/* Runs prog on pkt; the return value (0: dropped). */
static uint32_t run(const struct sock_filter *prog, unsigned n, const uint8_t *pkt, size_t len)
{
	uint32_t a = 0, x = 0;
	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t off = f->k, k = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
			off += x;
			/* fall through */
		case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS: {
			size_t sz = BPF_SIZE(f->code) == BPF_W ? 4 : BPF_SIZE(f->code) == BPF_H ? 2 : 1;
			if (off + sz > len)
				return 0;
			a = sz == 4 ? be32(pkt + off) : sz == 2 ? be16(pkt + off) : pkt[off];
			break;
		}
		case BPF_LDX | BPF_B | BPF_MSH:
			if (k >= len)
				return 0;
			x = (uint32_t)(pkt[k] & 0x0f) * 4;
			break;
		case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
		case BPF_ALU | BPF_LSH | BPF_K: a <<= k; break;
		case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_RET | BPF_K: return k;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & k) ? f->jt : f->jf; break;
		default: fail_msg("instruction 0x%x at %u not known to the test", f->code, pc);
		}
	}
	fail_msg("the program ran off its end");
	return 0;
}

struct job {
	const struct probe_module *mod;
	struct probe_args a;
	struct validator v;
	struct probe_tmpl t;
};

static void job_init(struct job *j, const struct probe_module *m, const struct ipaddr *src,
		     uint16_t sport_lo)
{
	struct probe_frame f = { .src = *src };
	memset(j, 0, sizeof(*j));
	j->mod = m;
	j->v.sport_lo = sport_lo;
	j->v.sport_n = 64;
	for (int i = 0; i < 16; i++)
		j->v.key[i] = (uint8_t)rnd();
	probe_args_init(&j->a, m);
	assert_int_equal(m->tmpl_init(&j->t, &j->a, &f, &j->v), 0);
}

static void add_entry(struct rx_filter *f, const struct job *j)
{
	struct probe_rx_match m;
	probe_rx_match(&j->a, &j->v, &m);
	f->e[f->n].dst = j->t.src;
	f->e[f->n].proto = m.proto;
	f->e[f->n].port_lo = m.lo;
	f->e[f->n].port_hi = m.hi;
	f->e[f->n].tag = m.tag;
	f->n++;
}

static uint16_t probe_of(const struct job *j, const struct ipaddr *dst, uint16_t port, uint8_t *p)
{
	struct probe_dst d = { *dst, port };
	uint8_t *bufs[1] = { p };
	uint16_t len;
	j->mod->build(&j->t, &j->t, &j->v, bufs, &d, 1, 1, &len); /* the one family's template */
	return len;
}

/* A frame of the host's own traffic: IP from src to dst with proto and the
 * L4 bytes l4[0..n). */
static size_t host_frame(const struct ipaddr *src, const struct ipaddr *dst, uint8_t proto,
			 const uint8_t *l4, size_t n, uint8_t *out)
{
	bool v4 = src->af == AF_INET;
	size_t ih = v4 ? 20 : 40;
	memset(out, 0, 14 + ih);
	out[12] = v4 ? 0x08 : 0x86;
	out[13] = v4 ? 0x00 : 0xdd;
	if (v4) {
		out[14] = 0x45;
		out[16] = (uint8_t)((20 + n) >> 8), out[17] = (uint8_t)(20 + n);
		out[22] = 64, out[23] = proto;
		ipaddr_to_bytes(src, out + 26);
		ipaddr_to_bytes(dst, out + 30);
	} else {
		out[14] = 0x60;
		out[18] = (uint8_t)(n >> 8), out[19] = (uint8_t)n;
		out[20] = proto, out[21] = 64;
		ipaddr_to_bytes(src, out + 22);
		ipaddr_to_bytes(dst, out + 38);
	}
	memcpy(out + 14 + ih, l4, n);
	return 14 + ih + n;
}

struct bench {
	struct sock_filter prog[AFP_FILTER_MAX];
	unsigned n;
	struct job syn, udp, echo;
	struct ipaddr us, other, target;
};

static bool passes(const struct bench *b, const uint8_t *f, size_t len)
{
	uint8_t *c = heap_copy(f, len);
	uint32_t r = run(b->prog, b->n, c, len);
	free(c);
	return r != 0;
}

static void bench_init(struct bench *b, int af)
{
	struct rx_filter f = { 0 };
	ipaddr_parse(af == AF_INET ? "198.18.0.1" : "2001:db8::1", &b->us);
	ipaddr_parse(af == AF_INET ? "198.18.0.7" : "2001:db8::7", &b->other);
	ipaddr_parse(af == AF_INET ? "198.18.1.9" : "2001:db8:1::9", &b->target);
	job_init(&b->syn, &probe_tcp_syn, &b->us, 40000);
	job_init(&b->udp, &probe_udp, &b->us, 41000);
	job_init(&b->echo, &probe_icmp_echo, &b->us, 42000);
	add_entry(&f, &b->syn);
	add_entry(&f, &b->udp);
	add_entry(&f, &b->echo);
	b->n = afp_build_filter(&f, b->prog);
	assert_true(b->n > 3 && b->n <= AFP_FILTER_MAX);
}

/* Every reply to a job's real probe passes. */
static void test_job_replies(void **st)
{
	(void)st;
	for (int i = 0; i < 200; i++) {
		int af = i % 2 ? AF_INET6 : AF_INET;
		bool v4 = af == AF_INET;
		struct bench b;
		uint8_t p[PROBE_MAX_LEN], r[PROBE_MAX_LEN + 100];
		size_t l4 = v4 ? 34 : 54, n;
		uint16_t len;
		bench_init(&b, af);

		len = probe_of(&b.syn, &b.target, 443, p); /* SYN-ACK and RST */
		n = mk_turned(p, len, r);
		memcpy(r + l4, p + l4 + 2, 2);
		memcpy(r + l4 + 2, p + l4, 2);
		r[l4 + 13] = 0x12;
		assert_true(passes(&b, r, n));
		r[l4 + 13] = 0x14;
		assert_true(passes(&b, r, n));
		r[l4 + 13] = 0x10; /* a bare ACK is no reply to a SYN */
		assert_false(passes(&b, r, n));

		len = probe_of(&b.udp, &b.target, 53, p);
		n = mk_udp_reply(p, len, r);
		assert_true(passes(&b, r, n));
		n = mk_error(p, len, 8, v4 ? 3 : 1, v4 ? 3 : 4, &b.target, r);
		assert_true(passes(&b, r, n));

		len = probe_of(&b.echo, &b.target, 0, p);
		n = mk_turned(p, len, r);
		r[l4] = v4 ? 0 : 129;
		assert_true(passes(&b, r, n));
		r[l4 + 9] ^= 1; /* the tag: a host ping with the job's id */
		assert_false(passes(&b, r, n));
		n = mk_error(p, len, 8, v4 ? 11 : 3, 0, &b.other, r);
		assert_true(passes(&b, r, n));
		for (size_t cut = 0; cut < n; cut++) /* truncated: rejected, never read past */
			assert_false(passes(&b, r, cut) && cut < l4 + 8 + (v4 ? 20 : 40) + 6);
		probe_args_free(&b.udp.a);
	}
}

/* The host's own traffic to the same address stays the host's. */
static void test_host_traffic(void **st)
{
	(void)st;
	for (int af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		bool v4 = af == AF_INET;
		struct bench b;
		uint8_t f[600], l4[64], q[100];
		size_t n, qn;
		uint16_t id;
		uint32_t tag;
		bench_init(&b, af);
		icmp_echo_ids(&b.echo.v, &id, &tag);

		/* DNS answer to an ephemeral port; TCP to a port outside the range */
		memset(l4, 0, sizeof(l4));
		l4[0] = 0, l4[1] = 53, l4[2] = 0xa1, l4[3] = 0x22, l4[5] = 20;
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, IPPROTO_UDP, l4, 20, f)));
		l4[2] = 40000 >> 8, l4[3] = 40000 & 0xff; /* UDP to the tcp job's port */
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, IPPROTO_UDP, l4, 20, f)));
		l4[2] = 41000 >> 8, l4[3] = 41000 & 0xff; /* ... to the udp job's port: passes */
		assert_true(passes(&b, f, host_frame(&b.target, &b.us, IPPROTO_UDP, l4, 20, f)));
		assert_false(passes(&b, f, host_frame(&b.target, &b.other, IPPROTO_UDP, l4, 20, f)));
		memset(l4, 0, 20);
		l4[2] = 0x22, l4[3] = 0x22, l4[12] = 0x50, l4[13] = 0x12; /* SYN-ACK to 8738 */
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, IPPROTO_TCP, l4, 20, f)));

		/* ping replies: another id; the job's id but the host's payload */
		memset(l4, 0, 24);
		l4[0] = v4 ? 0 : 129;
		l4[4] = (uint8_t)((id + 1) >> 8), l4[5] = (uint8_t)(id + 1);
		uint8_t proto = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 24, f)));
		l4[4] = (uint8_t)(id >> 8), l4[5] = (uint8_t)id;
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 24, f)));
		l4[8] = (uint8_t)(tag >> 24), l4[9] = (uint8_t)(tag >> 16), l4[10] = (uint8_t)(tag >> 8),
		l4[11] = (uint8_t)tag; /* with the tag it is the job's */
		assert_true(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 24, f)));
		l4[0] = v4 ? 8 : 128; /* an echo request to us: the host answers it */
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 24, f)));
		l4[0] = 135; /* neighbour solicitation */
		if (!v4)
			assert_false(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 24, f)));

		/* port unreachable about the host's own DNS query (ephemeral port) */
		uint8_t u[8] = { 0xa1, 0x22, 0, 53, 0, 8, 0, 0 };
		qn = host_frame(&b.us, &b.target, IPPROTO_UDP, u, 8, q) - 14;
		memset(l4, 0, 8);
		l4[0] = v4 ? 3 : 1, l4[1] = v4 ? 3 : 4;
		memcpy(l4 + 8, q + 14, qn);
		n = host_frame(&b.target, &b.us, proto, l4, 8 + qn, f);
		assert_false(passes(&b, f, n));
		f[14 + (v4 ? 20 : 40) + 8 + (v4 ? 20 : 40)] = 41000 >> 8; /* quoted sport: the job's */
		f[14 + (v4 ? 20 : 40) + 8 + (v4 ? 20 : 40) + 1] = 41000 & 0xff;
		assert_true(passes(&b, f, n));
		/* the same error quoting a packet of another address */
		qn = host_frame(&b.other, &b.target, IPPROTO_UDP, (uint8_t[]){ 41000 >> 8, 41000 & 0xff, 0, 53, 0, 8, 0, 0 }, 8, q) - 14;
		memcpy(l4 + 8, q + 14, qn);
		assert_false(passes(&b, f, host_frame(&b.target, &b.us, proto, l4, 8 + qn, f)));
		/* fragments: the first (it has the header) passes, a later one not */
		if (v4) {
			n = host_frame(&b.target, &b.us, IPPROTO_UDP, (uint8_t[]){ 0, 53, 41000 >> 8, 41000 & 0xff, 0, 8, 0, 0 }, 8, f);
			assert_true(passes(&b, f, n));
			f[21] = 1; /* a later fragment (offset 8): no UDP header in it */
			assert_false(passes(&b, f, n));
		}
		probe_args_free(&b.udp.a);
	}
}

/* No entry: nothing passes. The kernel's checker accepts the full program. */
static void test_empty_and_kernel(void **st)
{
	struct rx_filter f = { 0 };
	struct sock_filter prog[AFP_FILTER_MAX];
	uint8_t pkt[60] = { 0 };
	struct job j;
	struct ipaddr a;
	(void)st;
	assert_int_equal(afp_build_filter(&f, prog), 1);
	assert_int_equal(run(prog, 1, pkt, sizeof(pkt)), 0);
	for (unsigned i = 0; i < ENGINE_MAX_FILTER; i++) { /* the largest program */
		ipaddr_parse(i % 2 ? "2001:db8::1" : "198.18.0.1", &a);
		job_init(&j, i % 3 == 0 ? &probe_tcp_syn : i % 3 == 1 ? &probe_udp : &probe_icmp_echo, &a,
			 (uint16_t)(40000 + 64 * i));
		add_entry(&f, &j);
		probe_args_free(&j.a);
	}
	unsigned n = afp_build_filter(&f, prog);
	assert_true(n <= AFP_FILTER_MAX);
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		print_message("no AF_PACKET socket (%s): the kernel check is left to e2e_probes\n", strerror(errno));
		return;
	}
	struct sock_fprog fp = { (unsigned short)n, prog };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_replies), cmocka_unit_test(test_host_traffic),
		cmocka_unit_test(test_empty_and_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
