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
