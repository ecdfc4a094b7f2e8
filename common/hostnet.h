/* Facts about the host's own addresses and sockets in scand's network
 * namespace: is an address ours, does a socket listen on it. */
#pragma once
#include "common.h"

/* True when a is assigned to one of the namespace's interfaces. */
bool hostnet_addr_local(const struct ipaddr *a);
/* The first port in [lo, lo + n) with a listening TCP socket that receives
 * connections to a (bound to a, to the wildcard address, or -- for IPv4 --
 * to ::ffff:a or ::). Returns 1 and sets *port, 0 when none, -errno.
 * proc_net is "/proc/net" (a directory with tcp and tcp6). */
int hostnet_listener(const char *proc_net, const struct ipaddr *a, uint16_t lo, uint16_t n,
		     uint16_t *port);
/* The host's ephemeral port range, from which it picks the source ports of
 * its own connections (net.ipv4.ip_local_port_range, IPv6 too), read from
 * path ("/proc/sys/net/ipv4/ip_local_port_range": this network namespace's).
 * 0, -errno, -EINVAL when the file does not hold "LOW HIGH". */
int hostnet_ephemeral_range(const char *path, uint16_t *lo, uint16_t *hi);
