/* Probe frame parts every module shares: the Internet checksum and the
 * Ethernet + IP header template (see probe.h). */
#include "probe.h"

#include <errno.h>
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
 * per-probe fields zeroed: bits 0-15 the L4 part (pseudo header + segment),
 * bits 16-31 the IPv4 header (0 for IPv6).
 */

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40

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

uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~probe_fold64(sum);
}

static void ip4_hdr_write(uint8_t *ip, const struct ipaddr *src, uint8_t proto, size_t l4_len,
			  uint8_t ttl)
{
	ip[0] = 0x45;
	ip[1] = 0;
	probe_put16(ip + 2, l4_len ? (uint16_t)(IP4_LEN + l4_len) : 0);
	probe_put16(ip + 4, 0);	    /* id: per probe */
	probe_put16(ip + 6, 0x4000); /* DF */
	ip[8] = ttl;
	ip[9] = proto;
	probe_put16(ip + 10, 0);
	ipaddr_to_bytes(src, ip + 12);
	memset(ip + 16, 0, 4); /* dst: per probe */
}

static void ip6_hdr_write(uint8_t *ip, const struct ipaddr *src, uint8_t proto, size_t l4_len,
			  uint8_t hlim)
{
	probe_put32(ip, 6u << 28);
	probe_put16(ip + 4, (uint16_t)l4_len);
	ip[6] = proto;
	ip[7] = hlim;
	ipaddr_to_bytes(src, ip + 8);
	memset(ip + 24, 0, 16); /* dst: per probe */
}

int probe_tmpl_l3(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		  const struct ipaddr *src, uint8_t proto, size_t l4_len, uint8_t ttl)
{
	uint8_t *p = t->buf;

	if (src->af != AF_INET && src->af != AF_INET6)
		return -EAFNOSUPPORT;
	memset(t, 0, sizeof(*t));
	t->af = src->af;
	t->src = *src;
	t->l3_off = ETH_LEN;
	t->l4_off = (uint16_t)(ETH_LEN + (src->af == AF_INET ? IP4_LEN : IP6_LEN));
	t->len = t->l4_off;
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	probe_put16(p + 12, src->af == AF_INET ? 0x0800 : 0x86dd);
	if (src->af == AF_INET) {
		ip4_hdr_write(p + t->l3_off, src, proto, l4_len, ttl);
		t->csum_base = csum_partial(p + t->l3_off, IP4_LEN, 0) << 16;
	} else {
		ip6_hdr_write(p + t->l3_off, src, proto, l4_len, ttl);
	}
	return 0;
}
