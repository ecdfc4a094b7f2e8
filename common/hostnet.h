/* Facts about the host's own addresses and sockets in scand's network
 * namespace: is an address ours, does a socket listen on it, the rows of
 * the kernel's TCP tables, the ephemeral port range. */
#pragma once
#include "common.h"

/* True when a is assigned to one of the namespace's interfaces. */
bool hostnet_addr_local(const struct ipaddr *a);
/* The first port in [lo, lo + n) with a socket of proto (IPPROTO_TCP: a
 * listening one; IPPROTO_UDP: any bound one) that receives what is sent to
 * a (bound to a, to the wildcard address, or -- for IPv4 -- to ::ffff:a or
 * ::). Returns 1 and sets *port, 0 when none, -errno. proc_net is
 * "/proc/net" (a directory with tcp, tcp6, udp and udp6). */
int hostnet_listener(const char *proc_net, int proto, const struct ipaddr *a, uint16_t lo, uint16_t n,
		     uint16_t *port);

#define TCP_ESTABLISHED_ST 0x01
#define TCP_LISTEN_ST 0x0A

/* One row of /proc/net/tcp or tcp6 (an IPv4-mapped address reads as IPv4). */
struct tcp_row {
	struct ipaddr local, remote;
	uint16_t lport, rport;
	unsigned state; /* TCP_LISTEN_ST, TCP_ESTABLISHED_ST, ... */
	unsigned long inode;
	bool v6file; /* from tcp6 */
};
/* Calls fn for each row of proc_net/tcp, then proc_net/tcp6 (a missing file
 * has no rows); stops at fn's first non-zero return and returns it. 0 or -errno. */
int hostnet_tcp_each(const char *proc_net, int (*fn)(const struct tcp_row *r, void *arg), void *arg);
/* The host's ephemeral port range, from which it picks the source ports of
 * its own connections (net.ipv4.ip_local_port_range, IPv6 too), read from
 * path ("/proc/sys/net/ipv4/ip_local_port_range": this network namespace's).
 * 0, -errno, -EINVAL when the file does not hold "LOW HIGH". */
int hostnet_ephemeral_range(const char *path, uint16_t *lo, uint16_t *hi);
