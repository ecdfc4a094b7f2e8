/* Stateless reply validation: SipHash-2-4 over (saddr, daddr, dport) gives
 * each probe's sequence number and source port; the reply parser accepts only
 * SYN-ACK / RST that acknowledge seq+1. Never reads outside the frame. */
#pragma once
#include "common.h"

struct validator {
	uint8_t key[16];	  /* random per job, persisted with it */
	uint16_t sport_lo, sport_n; /* source ports [lo, lo + n) */
};

/* Cookie for a probe from src to dst:dport. */
void validator_cookie(const struct validator *v, const struct ipaddr *src,
		      const struct ipaddr *dst, uint16_t dport, uint32_t *seq, uint16_t *sport);

enum reply_status { REPLY_OPEN = 1, REPLY_CLOSED = 2 };

struct reply {
	struct ipaddr src, dst; /* src: the target; dst: our source address */
	uint16_t sport;		/* target's port (the port we probed) */
	uint16_t dport;		/* our source port */
	uint32_t seq, ack;
	uint8_t ttl, tcp_flags;
	enum reply_status status;
};

/* Parses an Ethernet frame (optionally one 802.1Q tag) carrying IPv4 or IPv6
 * TCP. Returns 0 when it is a SYN-ACK or RST; -EINVAL for anything else
 * (truncated, not TCP, bad header lengths, fragments, other flags). */
int reply_parse(const uint8_t *frame, size_t len, struct reply *r);
/* True when r answers a probe of this validator: dport in the source-port
 * range, dport == cookie sport and ack == cookie seq + 1. */
bool reply_valid(const struct validator *v, const struct reply *r);
