/* Reply frames for the unit tests, made from a probe frame's own bytes:
 * the probe turned around (an echo reply), a UDP answer, an ICMP error
 * quoting the probe. Frames are Ethernet + IPv4 (no options) or IPv6. */
#pragma once
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common.h"

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* The probe turned around: addresses (and MACs) swapped, as an echo reply. */
static inline size_t mk_turned(const uint8_t *p, size_t len, uint8_t *out)
{
	bool v4 = be16(p + 12) == 0x0800;
	size_t a = v4 ? 14 + 12 : 14 + 8, al = v4 ? 4 : 16;
	memcpy(out, p, len);
	memcpy(out, p + 6, 6);
	memcpy(out + 6, p, 6);
	memcpy(out + a, p + a + al, al);
	memcpy(out + a + al, p + a, al);
	return len;
}

/* An ICMP error from `from` to the probe's source quoting the probe's IP
 * header and q bytes of its L4 part. */
static inline size_t mk_error(const uint8_t *p, size_t plen, size_t q, uint8_t type, uint8_t code,
		       const struct ipaddr *from, uint8_t *out)
{
	bool v4 = be16(p + 12) == 0x0800;
	size_t ih = v4 ? 20 : 40, quoted = MIN(ih + q, plen - 14), l4 = 14 + ih;
	memcpy(out, p + 6, 6);
	memcpy(out + 6, p, 6);
	memcpy(out + 12, p + 12, 2);
	memcpy(out + 14, p + 14, ih); /* outer header from the probe's, then fixed up */
	if (v4) {
		out[14 + 9] = IPPROTO_ICMP;
		out[14 + 2] = (uint8_t)((ih + 8 + quoted) >> 8), out[14 + 3] = (uint8_t)(ih + 8 + quoted);
		memcpy(out + 14 + 16, p + 14 + 12, 4);
		ipaddr_to_bytes(from, out + 14 + 12);
	} else {
		out[14 + 6] = IPPROTO_ICMPV6;
		out[14 + 4] = (uint8_t)((8 + quoted) >> 8), out[14 + 5] = (uint8_t)(8 + quoted);
		memcpy(out + 14 + 24, p + 14 + 8, 16);
		ipaddr_to_bytes(from, out + 14 + 8);
	}
	memset(out + l4, 0, 8);
	out[l4] = type;
	out[l4 + 1] = code;
	memcpy(out + l4 + 8, p + 14, quoted);
	return l4 + 8 + quoted;
}

/* A UDP datagram from the probe's target port back to its source port. */
static inline size_t mk_udp_reply(const uint8_t *p, size_t plen, uint8_t *out)
{
	bool v4 = be16(p + 12) == 0x0800;
	size_t l4 = v4 ? 34 : 54, n = mk_turned(p, l4 + 8, out);
	(void)plen;
	memcpy(out + l4, p + l4 + 2, 2);
	memcpy(out + l4 + 2, p + l4, 2);
	memcpy(out + n, "hello", 5);
	out[l4 + 4] = 0, out[l4 + 5] = 13;
	if (v4)
		out[14 + 2] = 0, out[14 + 3] = 33;
	else
		out[14 + 4] = 0, out[14 + 5] = 13;
	return n + 5;
}

