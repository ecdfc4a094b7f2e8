/* The classic BPF program of af_packet's RX sockets: it admits what the
 * struct rx_filter describes (engine.h) -- replies to the jobs' addresses,
 * per entry TCP SYN-ACK/RST or UDP to the job's ports, echo replies with
 * the job's id and tag, ICMP errors quoting the job's probes -- and nothing
 * else. The same rules as the XDP program (bpf/scand_xdp.bpf.c). */
#pragma once
#include "engine.h"

#include <linux/filter.h>

#define AFP_ENTRY_MAX 64 /* instructions of one entry, at most */
#define AFP_FILTER_MAX (ENGINE_MAX_FILTER * AFP_ENTRY_MAX + 1)

/* Builds the program for f into p (AFP_FILTER_MAX instructions); returns
 * its length. An empty filter rejects everything. */
unsigned afp_build_filter(const struct rx_filter *f, struct sock_filter *p);
