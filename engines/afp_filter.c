/* af_packet's RX filter program (see afp_filter.h): one block per entry,
 * each jumping to the next block on any mismatch. Jumps are written with
 * labels and resolved when the block is complete. */
#include "afp_filter.h"

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

enum label { L_FAIL, L_ACCEPT, L_FLAGS, L_ECHO, L_QUOTE, L_ICMP, L_NLABELS, L_NEXT = 0xff };

#define ETH 14
#define Q4 (ETH + 8) /* a quoted IPv4 header, after the outer one (X) and ICMP's 8 bytes */
#define L4_6 (ETH + 40)
#define Q6 (L4_6 + 8) /* a quoted IPv6 header */

struct block {
	struct sock_filter b[AFP_ENTRY_MAX];
	uint8_t jt[AFP_ENTRY_MAX], jf[AFP_ENTRY_MAX]; /* enum label, L_NEXT: fall through */
	unsigned at[L_NLABELS];
	unsigned n;
};

static void op(struct block *g, uint16_t code, uint32_t k)
{
	g->b[g->n] = (struct sock_filter)BPF_STMT(code, k);
	g->jt[g->n] = g->jf[g->n] = L_NEXT;
	g->n++;
}

/* if (A <cond> k) goto t else goto f */
static void jmp(struct block *g, uint16_t cond, uint32_t k, uint8_t t, uint8_t f)
{
	g->b[g->n] = (struct sock_filter)BPF_JUMP(BPF_JMP | cond | BPF_K, k, 0, 0);
	g->jt[g->n] = t;
	g->jf[g->n] = f;
	g->n++;
}

static void label(struct block *g, enum label l)
{
	g->at[l] = g->n;
}

/* A in [lo, hi] accepts, anything else fails. */
static void in_range(struct block *g, uint16_t lo, uint16_t hi)
{
	jmp(g, BPF_JGE, lo, L_NEXT, L_FAIL);
	jmp(g, BPF_JGT, hi, L_FAIL, L_ACCEPT);
}

/* Four words at off equal the IPv6 address a (or fail). */
static void addr6_at(struct block *g, uint32_t off, const uint8_t a[16])
{
	for (int w = 0; w < 4; w++) {
		const uint8_t *p = a + 4 * w;
		op(g, BPF_LD | BPF_W | BPF_ABS, off + 4u * (unsigned)w);
		jmp(g, BPF_JEQ, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3],
		    L_NEXT, L_FAIL);
	}
}

/* The outer IPv4 header: ethertype, no fragment, destination a; leaves the
 * header length in X and the protocol in A. */
static void head4(struct block *g, uint32_t a)
{
	op(g, BPF_LD | BPF_H | BPF_ABS, 12);
	jmp(g, BPF_JEQ, ETH_P_IP, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_H | BPF_ABS, ETH + 6);
	jmp(g, BPF_JSET, 0x1fff, L_FAIL, L_NEXT);
	op(g, BPF_LD | BPF_W | BPF_ABS, ETH + 16);
	jmp(g, BPF_JEQ, a, L_NEXT, L_FAIL);
	op(g, BPF_LDX | BPF_B | BPF_MSH, ETH);
	op(g, BPF_LD | BPF_B | BPF_ABS, ETH + 9);
}

/* SYN-ACK or RST: A holds the TCP flags. */
static void tcp_flags(struct block *g)
{
	jmp(g, BPF_JSET, 0x04, L_FLAGS, L_NEXT);
	op(g, BPF_ALU | BPF_AND | BPF_K, 0x12);
	jmp(g, BPF_JEQ, 0x12, L_NEXT, L_FAIL);
	label(g, L_FLAGS);
}

/* ICMP type in A: an echo reply goes to L_ECHO, an error quoting a probe to
 * L_QUOTE, anything else fails. */
static void icmp_type(struct block *g, bool v6)
{
	jmp(g, BPF_JEQ, v6 ? 129 : 0, L_ECHO, L_NEXT);
	jmp(g, BPF_JEQ, v6 ? 1 : 3, L_QUOTE, L_NEXT);
	jmp(g, BPF_JEQ, v6 ? 3 : 11, L_QUOTE, L_NEXT);
	jmp(g, BPF_JEQ, v6 ? 4 : 12, L_QUOTE, L_FAIL);
}

/* IPv4, quoted header at X + Q4: protocol proto from address a; then X :=
 * outer + quoted header lengths (the quoted L4 is at X + Q4). */
static void quoted4(struct block *g, uint8_t proto, uint32_t a)
{
	label(g, L_QUOTE);
	op(g, BPF_LD | BPF_B | BPF_IND, Q4 + 9);
	jmp(g, BPF_JEQ, proto, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_W | BPF_IND, Q4 + 12);
	jmp(g, BPF_JEQ, a, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_B | BPF_IND, Q4);
	op(g, BPF_ALU | BPF_AND | BPF_K, 0x0f);
	op(g, BPF_ALU | BPF_LSH | BPF_K, 2);
	op(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	op(g, BPF_MISC | BPF_TAX, 0);
}

/* The L4 header of the packet, or of the probe an ICMP error quotes:
 * loaded with mode (BPF_IND: X-relative for IPv4, BPF_ABS for IPv6) at base. */
struct at {
	uint16_t mode;
	uint32_t base;
};

/* A holds the protocol: for a TCP entry a SYN-ACK or RST to one of its
 * ports; for a UDP entry a datagram to one of its ports (not UDP: on to
 * L_ICMP, where the caller checks ICMP errors). */
static void ports_part(struct block *g, struct at l4, uint8_t proto, uint16_t lo, uint16_t hi)
{
	jmp(g, BPF_JEQ, proto, L_NEXT, proto == IPPROTO_TCP ? L_FAIL : L_ICMP);
	if (proto == IPPROTO_TCP) {
		op(g, BPF_LD | BPF_B | l4.mode, l4.base + 13);
		tcp_flags(g);
	}
	op(g, BPF_LD | BPF_H | l4.mode, l4.base + 2);
	in_range(g, lo, hi);
	label(g, L_ICMP);
}

/* L_ECHO: an echo reply with the job's id and tag; a UDP entry takes none. */
static void echo_part(struct block *g, struct at l4, uint8_t proto, uint16_t id, uint32_t tag)
{
	label(g, L_ECHO);
	if (proto == IPPROTO_UDP) {
		jmp(g, BPF_JEQ, 0, L_FAIL, L_FAIL);
		return;
	}
	op(g, BPF_LD | BPF_H | l4.mode, l4.base + 4);
	jmp(g, BPF_JEQ, id, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_W | l4.mode, l4.base + 8);
	jmp(g, BPF_JEQ, tag, L_ACCEPT, L_FAIL);
}

/* After the quoted header checks: the quoted probe at q is the job's -- a
 * UDP probe from one of its ports, or its echo request (echo type) with its id. */
static void quoted_probe(struct block *g, struct at q, uint8_t proto, uint8_t echo, uint16_t lo,
			 uint16_t hi)
{
	if (proto == IPPROTO_UDP) {
		op(g, BPF_LD | BPF_H | q.mode, q.base);
		in_range(g, lo, hi);
		return;
	}
	op(g, BPF_LD | BPF_B | q.mode, q.base);
	jmp(g, BPF_JEQ, echo, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_H | q.mode, q.base + 4);
	jmp(g, BPF_JEQ, lo, L_ACCEPT, L_FAIL);
}

static void entry4(struct block *g, const struct ipaddr *dst, uint8_t proto, uint16_t lo,
		   uint16_t hi, uint32_t tag)
{
	const struct at l4 = { BPF_IND, ETH }, q = { BPF_IND, Q4 };
	uint32_t a = (uint32_t)dst->v;
	head4(g, a);
	if (proto != IPPROTO_ICMP)
		ports_part(g, l4, proto, lo, hi);
	if (proto == IPPROTO_TCP)
		return;
	jmp(g, BPF_JEQ, IPPROTO_ICMP, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_B | BPF_IND, ETH);
	icmp_type(g, false);
	echo_part(g, l4, proto, lo, tag);
	quoted4(g, proto == IPPROTO_UDP ? IPPROTO_UDP : IPPROTO_ICMP, a);
	quoted_probe(g, q, proto, 8, lo, hi);
}

static void entry6(struct block *g, const struct ipaddr *dst, uint8_t proto, uint16_t lo,
		   uint16_t hi, uint32_t tag)
{
	const struct at l4 = { BPF_ABS, L4_6 }, q = { BPF_ABS, Q6 + 40 };
	uint8_t a[16];
	ipaddr_to_bytes(dst, a);
	op(g, BPF_LD | BPF_H | BPF_ABS, 12);
	jmp(g, BPF_JEQ, ETH_P_IPV6, L_NEXT, L_FAIL);
	addr6_at(g, ETH + 24, a);
	op(g, BPF_LD | BPF_B | BPF_ABS, ETH + 6);
	if (proto != IPPROTO_ICMP)
		ports_part(g, l4, proto, lo, hi);
	if (proto == IPPROTO_TCP)
		return;
	jmp(g, BPF_JEQ, IPPROTO_ICMPV6, L_NEXT, L_FAIL);
	op(g, BPF_LD | BPF_B | BPF_ABS, L4_6);
	icmp_type(g, true);
	echo_part(g, l4, proto, lo, tag);
	label(g, L_QUOTE);
	addr6_at(g, Q6 + 8, a);
	op(g, BPF_LD | BPF_B | BPF_ABS, Q6 + 6);
	jmp(g, BPF_JEQ, proto == IPPROTO_UDP ? IPPROTO_UDP : IPPROTO_ICMPV6, L_NEXT, L_FAIL);
	quoted_probe(g, q, proto, 128, lo, hi);
}

/* Closes the block with its accept and resolves its jumps. */
static unsigned finish(struct block *g, struct sock_filter *p, unsigned n)
{
	label(g, L_ACCEPT);
	op(g, BPF_RET | BPF_K, 0x40000);
	label(g, L_FAIL);
	for (unsigned i = 0; i < g->n; i++) {
		if (g->jt[i] != L_NEXT)
			g->b[i].jt = (uint8_t)(g->at[g->jt[i]] - i - 1);
		if (g->jf[i] != L_NEXT)
			g->b[i].jf = (uint8_t)(g->at[g->jf[i]] - i - 1);
	}
	memcpy(p + n, g->b, g->n * sizeof(g->b[0]));
	return n + g->n;
}

unsigned afp_build_filter(const struct rx_filter *f, struct sock_filter *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->n && i < ENGINE_MAX_FILTER; i++) {
		struct block g = { .n = 0 };
		if (f->e[i].dst.af == AF_INET)
			entry4(&g, &f->e[i].dst, f->e[i].proto, f->e[i].port_lo, f->e[i].port_hi, f->e[i].tag);
		else
			entry6(&g, &f->e[i].dst, f->e[i].proto, f->e[i].port_lo, f->e[i].port_hi, f->e[i].tag);
		n = finish(&g, p, n);
	}
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}
