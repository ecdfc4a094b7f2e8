/* Maps shared by scand_xdp.bpf.c and the af_xdp engine. */
#pragma once
#include <linux/types.h>

#define SCAND_XDP_MAX_QUEUES 64
#define SCAND_XDP_MAX_FILTER 64

struct scand_filter_key {
	__u8 af; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
};

struct scand_port_range {
	__u16 lo, hi; /* host order, inclusive */
};
