/* TCP SYN probe frames: template construction (Linux-like SYN options) and the
 * per-probe rewrite with incremental IPv4 header and TCP checksums. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Checksum convention: csum_partial() adds the data as big-endian 16-bit words
 * (odd tail byte as high byte) to sum and returns a value <= 0xffff;
 * csum_fold() folds and complements, giving the checksum field value in host
 * order (store it big-endian). A frame region is valid when
 * csum_fold(csum_partial(region incl. checksum field, 0)) == 0.
 *
 * Because every sum works on numeric word values, the host-order fields of
 * struct ipaddr, ports, seq and tsval can be added directly: a 32-bit value
 * is congruent to the sum of its two 16-bit halves modulo 0xffff.
 *
 * t->csum_base packs two folded partial sums of the template with all
 * per-probe fields zeroed: bits 0-15 TCP (pseudo header + segment), bits
 * 16-31 the IPv4 header (0 for IPv6).
 */

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20

#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TS 8

void probe_opts_default(struct probe_opts *o)
{
	*o = (struct probe_opts){
		.mss = true,
		.sack_perm = true,
		.timestamps = true,
		.wscale = true,
		.mss_value = 1460,
		.wscale_value = 7,
		.ttl = 64,
		.window = 64240,
	};
}

uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~fold64(sum);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* Linux order: MSS, [SACK_PERM|NOP NOP] TS, NOP WS, NOP NOP SACK_PERM (no TS).
 * Returns the option length (multiple of 4); *tsval_at is the TS value offset
 * inside the options or -1. */
static size_t tcp_opts_write(uint8_t *p, const struct probe_opts *o, int *tsval_at)
{
	size_t n = 0;

	*tsval_at = -1;
	if (o->mss) {
		p[n++] = TCPOPT_MSS;
		p[n++] = 4;
		put16(p + n, o->mss_value);
		n += 2;
	}
	if (o->timestamps) {
		p[n++] = o->sack_perm ? TCPOPT_SACK_PERM : TCPOPT_NOP;
		p[n++] = o->sack_perm ? 2 : TCPOPT_NOP;
		p[n++] = TCPOPT_TS;
		p[n++] = 10;
		*tsval_at = (int)n;
		memset(p + n, 0, 8); /* TSval per probe, TSecr 0 in a SYN */
		n += 8;
	}
	if (o->wscale) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_WS;
		p[n++] = 3;
		p[n++] = o->wscale_value;
	}
	if (o->sack_perm && !o->timestamps) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
	}
	return n;
}

static void ip4_hdr_write(uint8_t *ip, const struct ipaddr *src, size_t tcp_len, uint8_t ttl)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP4_LEN + tcp_len));
	put16(ip + 4, 0);      /* id: per probe */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = ttl;
	ip[9] = IPPROTO_TCP;
	put16(ip + 10, 0);
	ipaddr_to_bytes(src, ip + 12);
	memset(ip + 16, 0, 4); /* dst: per probe */
}

static void ip6_hdr_write(uint8_t *ip, const struct ipaddr *src, size_t tcp_len, uint8_t hlim)
{
	put32(ip, 6u << 28);
	put16(ip + 4, (uint16_t)tcp_len);
	ip[6] = IPPROTO_TCP;
	ip[7] = hlim;
	ipaddr_to_bytes(src, ip + 8);
	memset(ip + 24, 0, 16); /* dst: per probe */
}

/* TCP header with ports, seq and checksum zero (per probe). */
static void tcp_hdr_write(uint8_t *tcp, size_t tcp_len, uint16_t window)
{
	memset(tcp, 0, TCP_LEN);
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = 0x02; /* SYN */
	put16(tcp + 14, window);
}

int probe_tmpl_init(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		    const struct ipaddr *src, const struct probe_opts *o)
{
	struct probe_opts def;
	uint8_t *p = t->buf;
	size_t l3_len, tcp_len;
	uint32_t tcp_sum, ip_sum = 0;
	uint8_t pseudo[40];
	int tsval_at;

	if (src->af != AF_INET && src->af != AF_INET6)
		return -EAFNOSUPPORT;
	if (!o) {
		probe_opts_default(&def);
		o = &def;
	}
	memset(t, 0, sizeof(*t));
	t->af = src->af;
	t->src = *src;
	l3_len = src->af == AF_INET ? IP4_LEN : IP6_LEN;
	t->l3_off = ETH_LEN;
	t->l4_off = (uint16_t)(ETH_LEN + l3_len);

	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	put16(p + 12, src->af == AF_INET ? 0x0800 : 0x86dd);
	tcp_len = TCP_LEN + tcp_opts_write(p + t->l4_off + TCP_LEN, o, &tsval_at);
	tcp_hdr_write(p + t->l4_off, tcp_len, o->window);
	t->len = (uint16_t)(t->l4_off + tcp_len);
	t->tsval_off = tsval_at < 0 ? 0 : (uint16_t)(t->l4_off + TCP_LEN + tsval_at);

	/* Pseudo header constant part: source address, protocol, TCP length. */
	memset(pseudo, 0, sizeof(pseudo));
	ipaddr_to_bytes(src, pseudo);
	if (src->af == AF_INET) {
		ip4_hdr_write(p + t->l3_off, src, tcp_len, o->ttl);
		ip_sum = csum_partial(p + t->l3_off, IP4_LEN, 0);
		tcp_sum = csum_partial(pseudo, 4, IPPROTO_TCP + (uint32_t)tcp_len);
	} else {
		ip6_hdr_write(p + t->l3_off, src, tcp_len, o->ttl);
		tcp_sum = csum_partial(pseudo, 16, IPPROTO_TCP + (uint32_t)tcp_len);
	}
	tcp_sum = csum_partial(p + t->l4_off, tcp_len, tcp_sum);
	t->csum_base = tcp_sum | ip_sum << 16;
	return 0;
}

static inline uint16_t build_tcp(const struct probe_tmpl *t, uint8_t *out, uint64_t sum,
				 uint16_t dport, uint16_t sport, uint32_t seq, uint32_t tsval)
{
	uint8_t *tcp = out + t->l4_off;

	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	sum += (uint64_t)(t->csum_base & 0xffff) + sport + dport + seq;
	if (t->tsval_off) { /* fixed per template: perfectly predicted */
		put32(out + t->tsval_off, tsval);
		sum += tsval;
	}
	put16(tcp + 16, (uint16_t)~fold64(sum));
	return t->len;
}

/* Copies the template: every frame is 54..PROBE_MAX_LEN bytes, so two
 * overlapping fixed-size copies (inlined vector moves, no libc call) do it. */
static inline void tmpl_copy(uint8_t *out, const struct probe_tmpl *t)
{
	_Static_assert(PROBE_MAX_LEN <= 128, "tmpl_copy covers at most 2 x 64 bytes");
	if (t->len <= 96) {
		memcpy(out, t->buf, 48);
		memcpy(out + t->len - 48, t->buf + t->len - 48, 48);
	} else {
		memcpy(out, t->buf, 64);
		memcpy(out + t->len - 64, t->buf + t->len - 64, 64);
	}
}

uint16_t probe_build(const struct probe_tmpl *t, uint8_t *out, const struct ipaddr *dst,
		     uint16_t dport, uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval)
{
	uint8_t *ip = out + t->l3_off;

	tmpl_copy(out, t);
	if (t->af == AF_INET) {
		uint32_t d = (uint32_t)dst->v;
		uint64_t s = (t->csum_base >> 16) + (uint64_t)ipid + d;

		put16(ip + 4, ipid);
		put32(ip + 16, d);
		put16(ip + 10, (uint16_t)~fold64(s));
		return build_tcp(t, out, d, dport, sport, seq, tsval);
	}
	uint64_t hi = (uint64_t)(dst->v >> 64), lo = (uint64_t)dst->v;
	put32(ip + 24, (uint32_t)(hi >> 32));
	put32(ip + 28, (uint32_t)hi);
	put32(ip + 32, (uint32_t)(lo >> 32));
	put32(ip + 36, (uint32_t)lo);
	return build_tcp(t, out, (hi >> 32) + (uint32_t)hi + (lo >> 32) + (uint32_t)lo, dport,
			 sport, seq, tsval);
}
