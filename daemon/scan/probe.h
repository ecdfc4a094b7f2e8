/* TCP SYN probe frames: Ethernet + IPv4/IPv6 + TCP with options like a real
 * stack. A per-worker template is built once; probe_build() copies it and
 * rewrites only the fields that change, with correct checksums. */
#pragma once
#include "common.h"

#define PROBE_MAX_LEN 128

struct probe_opts {
	bool mss, sack_perm, timestamps, wscale; /* defaults all true */
	uint16_t mss_value;			 /* 1460 */
	uint8_t wscale_value;			 /* 7 */
	uint8_t ttl;				 /* 64 (hop limit for IPv6) */
	uint16_t window;			 /* 64240 */
};

void probe_opts_default(struct probe_opts *o);

struct probe_tmpl {
	uint8_t buf[PROBE_MAX_LEN];
	uint16_t len;			    /* whole frame */
	uint16_t l3_off, l4_off, tsval_off; /* tsval_off 0 when no timestamps */
	uint8_t af;
	struct ipaddr src;
	uint32_t csum_base; /* folded partial checksum of the constant parts */
};

/* src.af selects IPv4 or IPv6. smac/dmac: 6 bytes each. */
int probe_tmpl_init(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		    const struct ipaddr *src, const struct probe_opts *o);
/* Writes one frame to out (>= t->len bytes); returns its length. dst.af must
 * equal the template's. ipid is ignored for IPv6. tsval: TCP timestamp value. */
uint16_t probe_build(const struct probe_tmpl *t, uint8_t *out, const struct ipaddr *dst,
		     uint16_t dport, uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval);

/* Internet checksum helpers (also used by tests and the reply parser). */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
