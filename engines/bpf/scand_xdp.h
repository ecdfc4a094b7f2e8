/* Maps shared by scand_xdp.bpf.c and the af_xdp engine. */
#pragma once
#include <linux/types.h>

#define SCAND_XDP_MAX_QUEUES 64
#define SCAND_XDP_MAX_ADDRS 64	/* source addresses of active jobs */
#define SCAND_XDP_MAX_RANGES 16 /* entries per address: one per job using it */

struct scand_filter_key {
	__u8 af; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/* One job's replies to an address: proto IPPROTO_TCP or IPPROTO_UDP with
 * the job's source ports [lo, hi]; IPPROTO_ICMP (ICMPv6 too) with the job's
 * echo id lo == hi and tag, the first 4 bytes of its echo payloads. */
struct scand_port_range {
	__u16 lo, hi; /* host order, inclusive */
	__u8 proto;
	__u8 pad[3];
	__u32 tag; /* network order */
};

/* The exact entries of the jobs that use one address (never merged: two
 * jobs on 40000-40001 and 60000-60001 leave 40002-59999 alone). */
struct scand_port_ranges {
	__u32 n;
	struct scand_port_range r[SCAND_XDP_MAX_RANGES];
};
