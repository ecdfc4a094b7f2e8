/* Stateless reply validation: SipHash cookies for outgoing probes and a
 * bounds-checked parser for TCP, UDP, ICMP echo reply and ICMP error frames. */
#include "validate.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define ETH_LEN 14
#define VLAN_LEN 4
#define IP4_MIN 20
#define IP6_LEN 40
#define TCP_MIN 20
#define UDP_LEN 8
#define ICMP_LEN 8
#define QUOTED_L4 8 /* bytes of the quoted probe's L4 header an ICMP error must carry */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/*
 * The cookie is siphash24(key, saddr || daddr || dport) with addresses and
 * port in network byte order: 10 bytes for IPv4, 34 for IPv6. It is on the
 * per-probe path, so instead of serializing bytes and calling siphash24() we
 * feed SipHash the message words directly (pure arithmetic, the same on any
 * host): the LE word of big-endian bytes is the byte-swapped value.
 * test_validate checks this against siphash24() over the bytes.
 */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v)                                                                                \
	do {                                                                                       \
		v[0] += v[1];                                                                      \
		v[1] = ROTL(v[1], 13) ^ v[0];                                                      \
		v[0] = ROTL(v[0], 32);                                                             \
		v[2] += v[3];                                                                      \
		v[3] = ROTL(v[3], 16) ^ v[2];                                                      \
		v[0] += v[3];                                                                      \
		v[3] = ROTL(v[3], 21) ^ v[0];                                                      \
		v[2] += v[1];                                                                      \
		v[1] = ROTL(v[1], 17) ^ v[2];                                                      \
		v[2] = ROTL(v[2], 32);                                                             \
	} while (0)

static inline uint64_t key_word(const uint8_t *k)
{
	uint64_t w = 0;
	for (int i = 7; i >= 0; i--)
		w = w << 8 | k[i];
	return w;
}

static inline void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	SIPROUND(v);
	SIPROUND(v);
	v[0] ^= m;
}

/* SipHash-2-4 of n message words followed by the final block b; inlined so
 * each call site gets a straight-line version for its constant n. */
static inline __attribute__((always_inline)) uint64_t
sip24_words(const uint8_t key[16], const uint64_t *m, int n, uint64_t b)
{
	uint64_t k0 = key_word(key), k1 = key_word(key + 8);
	uint64_t v[4] = { 0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
			  0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1 };

	for (int i = 0; i < n; i++)
		sip_block(v, m[i]);
	sip_block(v, b);
	v[2] ^= 0xff;
	SIPROUND(v);
	SIPROUND(v);
	SIPROUND(v);
	SIPROUND(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static inline __attribute__((always_inline)) uint64_t
hash_of(const struct validator *v, const struct ipaddr *src, const struct ipaddr *dst,
	uint16_t dport)
{
	uint64_t m[4];
	uint64_t tail = __builtin_bswap16(dport);

	if (src->af == AF_INET) {
		m[0] = __builtin_bswap32((uint32_t)src->v) |
		       (uint64_t)__builtin_bswap32((uint32_t)dst->v) << 32;
		return sip24_words(v->key, m, 1, tail | 10ull << 56);
	}
	m[0] = __builtin_bswap64((uint64_t)(src->v >> 64));
	m[1] = __builtin_bswap64((uint64_t)src->v);
	m[2] = __builtin_bswap64((uint64_t)(dst->v >> 64));
	m[3] = __builtin_bswap64((uint64_t)dst->v);
	return sip24_words(v->key, m, 4, tail | 34ull << 56);
}

uint64_t validator_hash(const struct validator *v, const struct ipaddr *src,
			const struct ipaddr *dst, uint16_t dport)
{
	return hash_of(v, src, dst, dport);
}

void validator_cookie(const struct validator *v, const struct ipaddr *src,
		      const struct ipaddr *dst, uint16_t dport, uint32_t *seq, uint16_t *sport)
{
	uint64_t h = hash_of(v, src, dst, dport);

	*seq = (uint32_t)h;
	/* (h >> 32) fits 32 bits: a 32-bit division gives the same result, faster */
	uint32_t n_ports = v->sport_n ? v->sport_n : 1;
	*sport = (uint16_t)(v->sport_lo + (uint32_t)(h >> 32) % n_ports);
}

/* siphash24(key, "scand-job") as message words: the same on any host. */
uint64_t validator_job_word(const struct validator *v)
{
	static const uint64_t m = 0x6f6a2d646e616373ull; /* "scand-jo" little-endian */
	return sip24_words(v->key, &m, 1, (uint64_t)'b' | 9ull << 56);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 header at p (avail bytes to frame end). Sets *l4 and *l4_len to the
 * L4 part as bounded by the IP total length, *proto to its protocol. */
static int parse_ip4(const uint8_t *p, size_t avail, struct reply *r, const uint8_t **l4,
		     size_t *l4_len, uint8_t *proto)
{
	size_t ihl, tot;

	if (avail < IP4_MIN || p[0] >> 4 != 4)
		return -EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (ihl < IP4_MIN || ihl > avail || tot < ihl || tot > avail)
		return -EINVAL;
	if (get16(p + 6) & 0x3fff) /* MF or fragment offset */
		return -EINVAL;
	ipaddr_from_bytes(&r->src, AF_INET, p + 12);
	ipaddr_from_bytes(&r->dst, AF_INET, p + 16);
	r->ttl = p[8];
	*proto = p[9];
	*l4 = p + ihl;
	*l4_len = tot - ihl;
	return 0;
}

/* IPv6 with the L4 protocol as the first next header; extension headers are
 * rejected (no probe of ours carries one). */
static int parse_ip6(const uint8_t *p, size_t avail, struct reply *r, const uint8_t **l4,
		     size_t *l4_len, uint8_t *proto)
{
	size_t plen;

	if (avail < IP6_LEN || p[0] >> 4 != 6)
		return -EINVAL;
	plen = get16(p + 4);
	if (plen > avail - IP6_LEN)
		return -EINVAL;
	ipaddr_from_bytes(&r->src, AF_INET6, p + 8);
	ipaddr_from_bytes(&r->dst, AF_INET6, p + 24);
	r->ttl = p[7];
	*proto = p[6];
	*l4 = p + IP6_LEN;
	*l4_len = plen;
	return 0;
}

static int parse_tcp(const uint8_t *t, size_t len, struct reply *r)
{
	uint8_t f;

	if (len < TCP_MIN)
		return -EINVAL;
	if ((size_t)(t[12] >> 4) * 4 < TCP_MIN || (size_t)(t[12] >> 4) * 4 > len)
		return -EINVAL;
	f = t[13] & (TH_FIN | TH_SYN | TH_RST | TH_ACK);
	if (f == (TH_SYN | TH_ACK))
		r->status = REPLY_OPEN;
	else if (f == TH_RST || f == (TH_RST | TH_ACK))
		r->status = REPLY_CLOSED;
	else
		return -EINVAL;
	r->kind = RK_TCP;
	r->sport = get16(t);
	r->dport = get16(t + 2);
	r->seq = get32(t + 4);
	r->ack = get32(t + 8);
	r->tcp_flags = t[13];
	return 0;
}

static int parse_udp(const uint8_t *u, size_t len, struct reply *r)
{
	if (len < UDP_LEN || get16(u + 4) < UDP_LEN || get16(u + 4) > len)
		return -EINVAL;
	r->kind = RK_UDP;
	r->sport = get16(u);
	r->dport = get16(u + 2);
	return 0;
}

/* The probe an ICMP error quotes: its IP header and first 8 L4 bytes. */
static int parse_quoted(const uint8_t *p, size_t avail, int af, struct reply *r)
{
	const uint8_t *l4;
	size_t hl;

	if (af == AF_INET) {
		if (avail < IP4_MIN || p[0] >> 4 != 4 || (get16(p + 6) & 0x1fff))
			return -EINVAL;
		hl = (size_t)(p[0] & 0x0f) * 4;
		if (hl < IP4_MIN)
			return -EINVAL;
		r->q_proto = p[9];
		ipaddr_from_bytes(&r->q_src, AF_INET, p + 12);
		ipaddr_from_bytes(&r->q_dst, AF_INET, p + 16);
	} else {
		if (avail < IP6_LEN || p[0] >> 4 != 6)
			return -EINVAL;
		hl = IP6_LEN;
		r->q_proto = p[6];
		ipaddr_from_bytes(&r->q_src, AF_INET6, p + 8);
		ipaddr_from_bytes(&r->q_dst, AF_INET6, p + 24);
	}
	if (hl > avail || avail - hl < QUOTED_L4)
		return -EINVAL;
	l4 = p + hl;
	if (r->q_proto == IPPROTO_TCP || r->q_proto == IPPROTO_UDP) {
		r->dport = get16(l4); /* our port: the probe's source */
		r->sport = get16(l4 + 2);
	} else if (r->q_proto == (af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		r->q_type = l4[0];
		r->icmp_id = get16(l4 + 4);
		r->icmp_seq = get16(l4 + 6);
	} else {
		return -EINVAL;
	}
	r->kind = RK_ICMP_ERROR;
	return 0;
}

static bool icmp_error_type(int af, uint8_t type)
{
	if (af == AF_INET)
		return type == 3 || type == 11 || type == 12; /* unreachable, time exceeded, parameter */
	return type == 1 || type == 3 || type == 4;
}

static int parse_icmp(const uint8_t *p, size_t len, int af, struct reply *r)
{
	if (len < ICMP_LEN)
		return -EINVAL;
	r->icmp_type = p[0];
	r->icmp_code = p[1];
	if (p[0] == (af == AF_INET ? 0 : 129) && p[1] == 0) { /* echo reply */
		r->kind = RK_ECHO;
		r->icmp_id = get16(p + 4);
		r->icmp_seq = get16(p + 6);
		r->echo_len = (uint8_t)MIN(len - ICMP_LEN, (size_t)REPLY_ECHO_DATA);
		memcpy(r->echo_data, p + ICMP_LEN, r->echo_len);
		return 0;
	}
	if (!icmp_error_type(af, p[0]))
		return -EINVAL;
	return parse_quoted(p + ICMP_LEN, len - ICMP_LEN, af, r);
}

int reply_parse(const uint8_t *frame, size_t len, struct reply *r)
{
	const uint8_t *l4;
	size_t off = ETH_LEN, l4_len;
	uint16_t type;
	uint8_t proto;
	int rc, af;

	memset(r, 0, sizeof(*r));
	if (len < ETH_LEN)
		return -EINVAL;
	type = get16(frame + 12);
	if (type == 0x8100) {
		if (len < ETH_LEN + VLAN_LEN)
			return -EINVAL;
		type = get16(frame + 16);
		off += VLAN_LEN;
	}
	af = type == 0x0800 ? AF_INET : type == 0x86dd ? AF_INET6 : 0;
	if (!af)
		return -EINVAL;
	rc = af == AF_INET ? parse_ip4(frame + off, len - off, r, &l4, &l4_len, &proto)
			   : parse_ip6(frame + off, len - off, r, &l4, &l4_len, &proto);
	if (rc < 0)
		return rc;
	if (proto == IPPROTO_TCP)
		return parse_tcp(l4, l4_len, r);
	if (proto == IPPROTO_UDP)
		return parse_udp(l4, l4_len, r);
	if (proto == (af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return parse_icmp(l4, l4_len, af, r);
	return -EINVAL;
}

bool reply_valid(const struct validator *v, const struct reply *r)
{
	uint32_t seq;
	uint16_t sport;

	if (r->kind != RK_TCP || r->src.af != r->dst.af || r->dport < v->sport_lo ||
	    (uint32_t)r->dport >= (uint32_t)v->sport_lo + v->sport_n)
		return false;
	validator_cookie(v, &r->dst, &r->src, r->sport, &seq, &sport);
	return r->dport == sport && r->ack == seq + 1;
}
