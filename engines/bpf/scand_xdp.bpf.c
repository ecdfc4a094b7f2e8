/* scand's XDP program: redirects to the queue's AF_XDP socket only what can
 * be a reply to a scan probe of an active job -- to one of the jobs' source
 * addresses (the scan_filter map the daemon updates), and per job entry:
 * a TCP SYN+ACK or RST, or UDP, to a port in the job's exact source-port
 * range; an ICMP/ICMPv6 echo reply with the job's echo id and payload tag;
 * an ICMP error quoting a UDP probe or echo request of the job (quoted
 * source = the address, quoted source port in the range or quoted echo id
 * the job's). Everything else -- the host's own connections, ping, DNS,
 * ssh, DHCP, neighbour discovery -- goes on to the kernel (XDP_PASS). A
 * reply on a queue without a socket (the NIC got more channels after scand
 * opened it) is counted in `unserved` before it goes to the kernel: never
 * lost without a word. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "scand_xdp.h"

/* ICMP and ICMPv6 share the 8-byte header (linux/icmp.h would pull in libc). */
struct icmp_hdr {
	__u8 type, code;
	__u16 csum;
	__be16 id, seq;
};

/* type numbers: echo reply, echo request, the errors that quote a probe */
#define ICMP4_ECHOREPLY 0
#define ICMP4_ECHO 8
#define ICMP4_ERROR(t) ((t) == 3 || (t) == 11 || (t) == 12) /* unreachable, time exceeded, parameter */
#define ICMP6_ECHOREPLY 129
#define ICMP6_ECHO 128
#define ICMP6_ERROR(t) ((t) == 1 || (t) == 3 || (t) == 4)

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

/* A job entry of the address for proto with port (or echo id) in its range;
 * for an echo reply also its tag (check_tag). */
static __always_inline int entry_match(const struct scand_port_ranges *pr, __u8 proto, __u16 port,
				       __u32 tag, int check_tag)
{
	for (__u32 i = 0; i < SCAND_XDP_MAX_RANGES; i++) {
		if (i >= pr->n)
			break;
		if (pr->r[i].proto == proto && port >= pr->r[i].lo && port <= pr->r[i].hi &&
		    (!check_tag || pr->r[i].tag == tag))
			return 1;
	}
	return 0;
}

/* A scan reply: to the AF_XDP socket of its RX queue, or counted. */
static __always_inline int redirect(struct xdp_md *ctx)
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

/* SYN+ACK (an open port) or RST (a closed one): nothing else answers a SYN. */
static __always_inline int tcp_reply(const struct scand_port_ranges *pr, const struct tcphdr *tcp,
				     void *end)
{
	if ((void *)(tcp + 1) > end || !(tcp->rst || (tcp->syn && tcp->ack)))
		return 0;
	return entry_match(pr, IPPROTO_TCP, bpf_ntohs(tcp->dest), 0, 0);
}

static __always_inline int udp_reply(const struct scand_port_ranges *pr, const struct udphdr *udp,
				     void *end)
{
	if ((void *)(udp + 1) > end)
		return 0;
	return entry_match(pr, IPPROTO_UDP, bpf_ntohs(udp->dest), 0, 0);
}

/* An echo reply: id and the first 4 payload bytes (the job's tag). */
static __always_inline int echo_reply(const struct scand_port_ranges *pr, const void *hdr, void *end)
{
	const __u16 *id = hdr + 4;
	const __u32 *tag = hdr + 8;
	if ((void *)(tag + 1) > end)
		return 0;
	return entry_match(pr, IPPROTO_ICMP, bpf_ntohs(*id), *tag, 1);
}

/* The quoted probe's first 8 L4 bytes at l4: a UDP probe (its source port)
 * or an echo request of ours (echo_type, its id). */
static __always_inline int quoted_probe(const struct scand_port_ranges *pr, __u8 proto,
					__u8 icmp_proto, __u8 echo_type, const __u8 *l4, void *end)
{
	if ((void *)(l4 + 8) > end)
		return 0;
	if (proto == IPPROTO_UDP)
		return entry_match(pr, IPPROTO_UDP, (__u16)(l4[0] << 8 | l4[1]), 0, 0);
	if (proto == icmp_proto && l4[0] == echo_type)
		return entry_match(pr, IPPROTO_ICMP, (__u16)(l4[4] << 8 | l4[5]), 0, 0);
	return 0;
}

static __always_inline int icmp4(const struct scand_port_ranges *pr, const struct icmp_hdr *ic,
				 __be32 us, void *end)
{
	const struct iphdr *q;
	if ((void *)(ic + 1) > end)
		return 0;
	if (ic->type == ICMP4_ECHOREPLY)
		return ic->code == 0 && echo_reply(pr, ic, end);
	if (!ICMP4_ERROR(ic->type))
		return 0;
	q = (const void *)(ic + 1);
	if ((void *)(q + 1) > end || q->ihl < 5 || q->saddr != us)
		return 0;
	return quoted_probe(pr, q->protocol, IPPROTO_ICMP, ICMP4_ECHO, (const void *)q + q->ihl * 4, end);
}

static __always_inline int same6(const struct in6_addr *a, const __u8 *b)
{
	const __u32 *w = (const void *)b;
	return a->in6_u.u6_addr32[0] == w[0] && a->in6_u.u6_addr32[1] == w[1] &&
	       a->in6_u.u6_addr32[2] == w[2] && a->in6_u.u6_addr32[3] == w[3];
}

static __always_inline int icmp6(const struct scand_port_ranges *pr, const struct icmp_hdr *ic,
				 const __u8 *us, void *end)
{
	const struct ipv6hdr *q;
	if ((void *)(ic + 1) > end)
		return 0;
	if (ic->type == ICMP6_ECHOREPLY)
		return ic->code == 0 && echo_reply(pr, ic, end);
	if (!ICMP6_ERROR(ic->type))
		return 0;
	q = (const void *)(ic + 1);
	if ((void *)(q + 1) > end || !same6(&q->saddr, us))
		return 0;
	return quoted_probe(pr, q->nexthdr, IPPROTO_ICMPV6, ICMP6_ECHO, (const void *)(q + 1), end);
}

static __always_inline int ipv4(struct xdp_md *ctx, struct iphdr *ip, void *end)
{
	struct scand_filter_key k = { .af = 4 };
	const struct scand_port_ranges *pr;
	void *l4;
	if ((void *)(ip + 1) > end || ip->ihl < 5 || (ip->frag_off & bpf_htons(0x1fff)))
		return XDP_PASS;
	__builtin_memcpy(k.addr, &ip->daddr, 4);
	if (!(pr = bpf_map_lookup_elem(&scan_filter, &k)))
		return XDP_PASS;
	l4 = (void *)ip + ip->ihl * 4;
	if ((ip->protocol == IPPROTO_TCP && tcp_reply(pr, l4, end)) ||
	    (ip->protocol == IPPROTO_UDP && udp_reply(pr, l4, end)) ||
	    (ip->protocol == IPPROTO_ICMP && icmp4(pr, l4, ip->daddr, end)))
		return redirect(ctx);
	return XDP_PASS;
}

static __always_inline int ipv6(struct xdp_md *ctx, struct ipv6hdr *ip6, void *end)
{
	struct scand_filter_key k = { .af = 6 };
	const struct scand_port_ranges *pr;
	void *l4 = ip6 + 1;
	if ((void *)(ip6 + 1) > end)
		return XDP_PASS;
	__builtin_memcpy(k.addr, &ip6->daddr, 16);
	if (!(pr = bpf_map_lookup_elem(&scan_filter, &k)))
		return XDP_PASS;
	if ((ip6->nexthdr == IPPROTO_TCP && tcp_reply(pr, l4, end)) ||
	    (ip6->nexthdr == IPPROTO_UDP && udp_reply(pr, l4, end)) ||
	    (ip6->nexthdr == IPPROTO_ICMPV6 && icmp6(pr, l4, k.addr, end)))
		return redirect(ctx);
	return XDP_PASS;
}

SEC("xdp")
int scand_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return ipv4(ctx, (void *)(eth + 1), end);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return ipv6(ctx, (void *)(eth + 1), end);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
