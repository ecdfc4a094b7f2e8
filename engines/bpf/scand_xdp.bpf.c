/* scand's XDP program: redirects to the queue's AF_XDP socket only what can
 * be a reply to a scan probe -- a TCP SYN+ACK or RST to an active job's
 * source address with the destination port in one of the exact source-port
 * ranges of the jobs using that address (the scan_filter map the daemon
 * updates). Everything else -- the host's own connections, ssh, DHCP -- goes
 * on to the kernel (XDP_PASS). A reply that arrives on a queue without a
 * socket (the NIC got more channels after scand opened it) is counted in
 * `unserved` before it goes to the kernel: never lost without a word. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "scand_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SCAND_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unserved SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCAND_XDP_MAX_ADDRS);
	__type(key, struct scand_filter_key);
	__type(value, struct scand_port_ranges);
} scan_filter SEC(".maps");

/* SYN+ACK (an open port) or RST (a closed one): nothing else answers a SYN. */
static __always_inline int reply_flags(const struct tcphdr *tcp)
{
	return tcp->rst || (tcp->syn && tcp->ack);
}

/* A scan reply: to the AF_XDP socket of its RX queue, or counted. */
static __always_inline int to_socket(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index, zero = 0;
	__u64 *n;
	if (bpf_map_lookup_elem(&xsks_map, &q))
		return bpf_redirect_map(&xsks_map, q, XDP_PASS);
	n = bpf_map_lookup_elem(&unserved, &zero);
	if (n)
		*n += 1;
	return XDP_PASS;
}

static __always_inline int match(struct scand_filter_key *k, const struct tcphdr *tcp,
				 void *end, struct xdp_md *ctx)
{
	struct scand_port_ranges *pr;
	__u16 port;
	if ((void *)(tcp + 1) > end || !reply_flags(tcp))
		return XDP_PASS;
	pr = bpf_map_lookup_elem(&scan_filter, k);
	if (!pr)
		return XDP_PASS;
	port = bpf_ntohs(tcp->dest);
	for (__u32 i = 0; i < SCAND_XDP_MAX_RANGES; i++) {
		if (i >= pr->n)
			break;
		if (port >= pr->r[i].lo && port <= pr->r[i].hi)
			return to_socket(ctx);
	}
	return XDP_PASS;
}

SEC("xdp")
int scand_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct scand_filter_key k = {};

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl < 5 ||
		    (ip->frag_off & bpf_htons(0x1fff)))
			return XDP_PASS;
		k.af = 4;
		__builtin_memcpy(k.addr, &ip->daddr, 4);
		return match(&k, (void *)ip + ip->ihl * 4, end, ctx);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return XDP_PASS;
		k.af = 6;
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
		return match(&k, (void *)(ip6 + 1), end, ctx);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
