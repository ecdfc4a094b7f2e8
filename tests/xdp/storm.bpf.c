/* Test peer that answers every TCP SYN at line rate, in XDP (the target
 * kernel cannot answer millions of probes a second): the frame goes back
 * where it came from with addresses and ports swapped, ack = seq + 1, and
 * SYN+ACK when (address, port) is in a hashed open set, RST+ACK otherwise.
 * Everything that is not an IPv4 TCP SYN (ARP, ...) goes on to the kernel.
 * The open set is storm_open() below; e2e_storm.sh computes the same. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define REPLY_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct tcphdr))

/* One in 64 (address, port) pairs is open: a multiplicative hash of the
 * address and the port, both in host order. */
static __always_inline int storm_open(__u32 addr, __u16 port)
{
	__u32 h = addr * 2654435761u + (__u32)port * 2246822519u;
	h ^= h >> 15;
	return (h & 63) == 0;
}

static __always_inline __u16 csum_fold(__u32 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)~c;
}

static __always_inline void swap_addrs(struct ethhdr *eth, struct iphdr *ip, struct tcphdr *tcp)
{
	unsigned char mac[ETH_ALEN];
	__be32 a = ip->saddr;
	__be16 p = tcp->source;
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	ip->saddr = ip->daddr;
	ip->daddr = a;
	tcp->source = tcp->dest;
	tcp->dest = p;
}

/* The answer, built over the probe: 20-byte IP and TCP headers. */
static __always_inline void answer(struct iphdr *ip, struct tcphdr *tcp)
{
	int open = storm_open(bpf_ntohl(ip->saddr), bpf_ntohs(tcp->source));
	struct {
		__be32 saddr, daddr;
		__u8 zero, proto;
		__be16 len;
	} ph = { ip->saddr, ip->daddr, 0, IPPROTO_TCP, bpf_htons(sizeof(*tcp)) };
	__u32 seq = bpf_ntohl(tcp->seq);

	ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(*tcp));
	ip->ttl = 64;
	ip->id = 0;
	ip->frag_off = bpf_htons(0x4000); /* DF */
	ip->check = 0;
	ip->check = csum_fold(bpf_csum_diff(0, 0, (__be32 *)ip, sizeof(*ip), 0));
	tcp->ack_seq = bpf_htonl(seq + 1);
	tcp->seq = open ? bpf_htonl(seq * 2654435761u) : 0;
	((__u8 *)tcp)[12] = 5 << 4; /* doff 5, no options */
	((__u8 *)tcp)[13] = open ? 0x12 : 0x14; /* SYN+ACK : RST+ACK */
	tcp->window = bpf_htons(open ? 64240 : 0);
	tcp->urg_ptr = 0;
	tcp->check = 0;
	tcp->check = csum_fold(bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph),
					     bpf_csum_diff(0, 0, (__be32 *)tcp, sizeof(*tcp), 0)));
}

SEC("xdp")
int storm(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	int extra;

	if ((void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_TCP || !tcp->syn || tcp->ack || tcp->rst)
		return XDP_PASS;
	swap_addrs(eth, ip, tcp);
	extra = (int)(end - data) - (int)REPLY_LEN; /* TCP options, padding */
	if (extra > 0 && bpf_xdp_adjust_tail(ctx, -extra) < 0)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	ip = data + sizeof(struct ethhdr);
	tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > end)
		return XDP_DROP;
	answer(ip, tcp);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
