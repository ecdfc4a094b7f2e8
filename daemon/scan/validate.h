/* Stateless reply validation: SipHash-2-4 over (saddr, daddr, dport) gives
 * each probe's cookie (TCP sequence number, source port, ICMP sequence and
 * payload); one bounds-checked parser reads TCP, UDP, ICMP echo replies and
 * ICMP errors with the probe they quote. Never reads outside the frame. */
#pragma once
#include "common.h"

struct validator {
	uint8_t key[16];	  /* random per job, persisted with it */
	uint16_t sport_lo, sport_n; /* source ports [lo, lo + n) */
};

/* siphash24(key, saddr || daddr || dport), addresses and port in network
 * byte order: the probe's whole cookie. */
uint64_t validator_hash(const struct validator *v, const struct ipaddr *src,
			const struct ipaddr *dst, uint16_t dport);
/* The TCP/UDP cookie for a probe from src to dst:dport: seq = the low 32
 * bits of the hash, sport = sport_lo + (hash >> 32) % sport_n. */
void validator_cookie(const struct validator *v, const struct ipaddr *src,
		      const struct ipaddr *dst, uint16_t dport, uint32_t *seq, uint16_t *sport);
/* A per-job constant from the key (the ICMP echo id and tag). */
uint64_t validator_job_word(const struct validator *v);

/* Statuses of a result row (struct result.status). */
enum reply_status { REPLY_OPEN = 1, REPLY_CLOSED = 2, REPLY_UP = 3, REPLY_UNREACHABLE = 4 };
#define REPLY_NSTATUS 5 /* statuses are 1..4 */

/* What kind of frame reply_parse() found. */
enum reply_kind { RK_TCP = 1, RK_UDP, RK_ECHO, RK_ICMP_ERROR };

#define REPLY_ECHO_DATA 8 /* echo payload bytes kept */

struct reply {
	struct ipaddr src, dst; /* src: the target (or the ICMP error's sender); dst: our address */
	uint8_t kind;		/* enum reply_kind */
	uint8_t ttl;
	/* RK_TCP / RK_UDP: the ports; RK_ICMP_ERROR: the quoted probe's ports
	 * in reply direction too (sport = the target's port, dport = ours) */
	uint16_t sport, dport;
	uint32_t seq, ack; /* RK_TCP */
	uint8_t tcp_flags;
	enum reply_status status; /* RK_TCP: SYN-ACK open, RST closed */
	uint8_t icmp_type, icmp_code;
	/* RK_ECHO: the reply's id, seq, payload; RK_ICMP_ERROR quoting an echo
	 * request: the quoted id and seq */
	uint16_t icmp_id, icmp_seq;
	uint8_t echo_len; /* payload bytes in echo_data (at most REPLY_ECHO_DATA) */
	uint8_t echo_data[REPLY_ECHO_DATA];
	/* RK_ICMP_ERROR: the quoted probe's addresses, protocol and, for a
	 * quoted ICMP message, its type */
	struct ipaddr q_src, q_dst;
	uint8_t q_proto, q_type;
};

/* Parses an Ethernet frame (optionally one 802.1Q tag) carrying IPv4 or
 * IPv6 with: TCP SYN-ACK or RST; UDP; ICMP / ICMPv6 echo reply; or an ICMP
 * error (IPv4 types 3, 11, 12; ICMPv6 1, 3, 4) quoting an IP header and at
 * least 8 bytes of TCP, UDP or ICMP. 0, or -EINVAL for anything else
 * (truncated, bad header lengths, fragments, other types or flags). */
int reply_parse(const uint8_t *frame, size_t len, struct reply *r);
/* tcp_syn: true when r is a TCP reply to a probe of this validator: dport
 * in the source-port range, dport == cookie sport and ack == cookie seq + 1. */
bool reply_valid(const struct validator *v, const struct reply *r);
