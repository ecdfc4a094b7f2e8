/* Facts about local interfaces, asked of the kernel: index, MAC, MTU, link
 * state, addresses, NUMA node, queue count, and the gateway MAC for a target
 * (rtnetlink route + neighbour lookups). Works inside a network namespace. */
#pragma once
#include "common.h"

int netinfo_iface(const char *ifname, int *ifindex, uint8_t mac[6], unsigned *mtu, bool *up,
		  struct errbuf *err);
/* First address of family af on ifname; -ENOENT when none. */
int netinfo_iface_addr(const char *ifname, int af, struct ipaddr *out);
/* 1 when a is assigned to an interface of this network namespace, 0 when
 * not, -errno (one RTM_GETADDR dump: no link dump as with getifaddrs). */
int netinfo_addr_local(const struct ipaddr *a);
/* /sys/class/net/X/device/numa_node; -1 or missing -> 0. */
int netinfo_numa_node(const char *ifname);
/* True when ifname carries an IPv4 or IPv6 default route, from root +
 * /proc/net/route and ipv6_route (root "" on a real system). */
bool netinfo_default_route_at(const char *root, const char *ifname);
/* Interface of the best route to dst in root's /proc/net/route or ipv6_route
 * (longest prefix, then lowest metric); -ENETUNREACH when none matches. */
int netinfo_route_iface_at(const char *root, const struct ipaddr *dst, char *ifname, size_t len);
/* Number of RX queues (/sys/class/net/X/queues/rx-*), at least 1. */
int netinfo_rx_queues(const char *ifname);
/* MAC of the next hop toward dst out of ifname (the gateway, or dst itself
 * when on-link), from the kernel's neighbour table. */
int netinfo_gateway_mac(const char *ifname, const struct ipaddr *dst, uint8_t mac[6],
			struct errbuf *err);
/* ENA's in-tree driver attaches XDP only with free queue pairs: false for
 * driver "ena" with every combined channel in use. */
bool netinfo_ena_channels_ok(const char *driver, unsigned combined, unsigned max_combined);
/* The check above for a live interface, with an error naming `ethtool -L`. */
int netinfo_ena_channels_check(const char *ifname, struct errbuf *err);
