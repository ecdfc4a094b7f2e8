/* Probe frames: the parts every probe module shares -- a per-worker template
 * (Ethernet + IPv4/IPv6 header, built once), the Internet checksum, and the
 * TCP SYN frame of the tcp_syn module (options like a real stack). The
 * modules themselves are in probe_module.h. */
#pragma once
#include "common.h"

#include <arpa/inet.h>
#include <string.h>

#define PROBE_TMPL_LEN 128 /* headers (and TCP options) of a template */
#define PROBE_MAX_LEN 512  /* a whole frame, UDP payload included (ENGINE_FRAME_MIN) */

struct probe_opts {
	bool mss, sack_perm, timestamps, wscale; /* defaults all true */
	bool bsd_order;				 /* MSS, NOP WS, NOP NOP TS, SACK_PERM, EOL EOL */
	uint16_t mss_value;			 /* 1460 */
	uint8_t wscale_value;			 /* 7 */
	uint8_t ttl;				 /* 64 (hop limit for IPv6) */
	uint16_t window;			 /* 64240 */
};

/* The Linux option set (MSS, SACK_PERM, TS, NOP WS 7) and window 64240. */
void probe_opts_default(struct probe_opts *o);

struct udp_payload_set;

struct probe_tmpl {
	uint8_t buf[PROBE_TMPL_LEN];
	uint16_t len;			    /* template bytes (the whole frame for TCP and ICMP) */
	uint16_t l3_off, l4_off, tsval_off; /* tsval_off 0 when no timestamps */
	uint8_t af;
	struct ipaddr src;
	uint32_t csum_base; /* folded partial sums of the constant parts: bits 0-15 L4, 16-31 IPv4 header */
	uint16_t icmp_id;   /* icmp_echo: the job's echo id */
	uint32_t icmp_tag;  /* icmp_echo: the job's tag, first 4 payload bytes */
	const struct udp_payload_set *payloads;  /* udp: payload per destination port */
};

/* Writes Ethernet + IPv4 (DF, id 0) or IPv6 header with protocol proto and
 * l4_len bytes of L4 into t (src.af selects the family), sets l3_off,
 * l4_off, len (headers only) and the IPv4 header's partial sum in bits
 * 16-31 of csum_base. smac/dmac: 6 bytes each. -EAFNOSUPPORT. */
int probe_tmpl_l3(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		  const struct ipaddr *src, uint8_t proto, size_t l4_len, uint8_t ttl);

/* TCP SYN (tcp_syn): src.af selects IPv4 or IPv6; o NULL = probe_opts_default. */
int probe_tmpl_init(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		    const struct ipaddr *src, const struct probe_opts *o);
/* Writes one SYN to out (>= t->len bytes); returns its length. dst.af must
 * equal the template's. ipid is ignored for IPv6. tsval: TCP timestamp value. */
uint16_t probe_build(const struct probe_tmpl *t, uint8_t *out, const struct ipaddr *dst,
		     uint16_t dport, uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval);

/* Internet checksum helpers (also used by tests and the reply parser). */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

/* ---- inline helpers for the modules' per-probe code ---- */

static inline uint32_t probe_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline void probe_put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static inline void probe_put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* Copies the template's len bytes (42..PROBE_TMPL_LEN): at most two
 * overlapping fixed-size copies (inlined vector moves, no libc call); never
 * a byte past t->len. */
static inline void probe_tmpl_copy(uint8_t *out, const struct probe_tmpl *t)
{
	_Static_assert(PROBE_TMPL_LEN <= 128, "probe_tmpl_copy covers at most 2 x 64 bytes");
	if (t->len > 96) {
		memcpy(out, t->buf, 64);
		memcpy(out + t->len - 64, t->buf + t->len - 64, 64);
	} else if (t->len >= 48) {
		memcpy(out, t->buf, 48);
		memcpy(out + t->len - 48, t->buf + t->len - 48, 48);
	} else { /* udp over IPv4: 42 bytes of headers */
		memcpy(out, t->buf, 32);
		memcpy(out + t->len - 32, t->buf + t->len - 32, 32);
	}
}

/* Writes dst (and for IPv4 the id and header checksum) into the copied
 * frame; returns dst's contribution to an L4 pseudo-header sum. l4_len > 0
 * (udp: the payload varies by port) also writes the IPv4 total length or
 * IPv6 payload length, which the template must have left 0; the other
 * modules pass 0 and keep the template's. */
static inline uint64_t probe_put_dst(const struct probe_tmpl *t, uint8_t *out,
				     const struct ipaddr *dst, uint16_t ipid, uint16_t l4_len)
{
	uint8_t *ip = out + t->l3_off;

	if (t->af == AF_INET) {
		uint32_t d = (uint32_t)dst->v;
		uint16_t tot = l4_len ? (uint16_t)(20 + l4_len) : 0;
		uint64_t s = (t->csum_base >> 16) + (uint64_t)ipid + d + tot;

		if (tot)
			probe_put16(ip + 2, tot);
		probe_put16(ip + 4, ipid);
		probe_put32(ip + 16, d);
		probe_put16(ip + 10, (uint16_t)~probe_fold64(s));
		return d;
	}
	uint64_t hi = (uint64_t)(dst->v >> 64), lo = (uint64_t)dst->v;
	if (l4_len)
		probe_put16(ip + 4, l4_len);
	probe_put32(ip + 24, (uint32_t)(hi >> 32));
	probe_put32(ip + 28, (uint32_t)hi);
	probe_put32(ip + 32, (uint32_t)(lo >> 32));
	probe_put32(ip + 36, (uint32_t)lo);
	return (hi >> 32) + (uint32_t)hi + (lo >> 32) + (uint32_t)lo;
}
