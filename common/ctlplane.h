/* Does an interface carry the host's control plane -- the default route or
 * an SSH session -- itself or through what is stacked on it (the bond or
 * bridge it is a member of, VLANs on top: sysfs master and upper_* links)?
 * The one check of scand --prepare and of the dpdk and af_xdp engines. */
#pragma once
#include "common.h"

#include <net/if.h>

#define CTLPLANE_MAX_DEVS 16

/* ifname and the devices stacked on it, in the order found: names[0] is
 * ifname, below[i] the index of the device names[i] sits on (-1 for ifname).
 * Reads root/sys/class/net (root "" on a real host). */
struct ctlplane_stack {
	unsigned n;
	char names[CTLPLANE_MAX_DEVS][IFNAMSIZ];
	int below[CTLPLANE_MAX_DEVS];
};
void ctlplane_stack(const char *root, const char *ifname, struct ctlplane_stack *st);

/* The TCP ports sshd listens on, from the sockets its processes own
 * (root/proc/PID/comm "sshd*", /proc/PID/fd -> socket inodes -> LISTEN rows of
 * root/proc/net/tcp{,6}); {22} when no sshd process could be read. Returns
 * how many (at most max). */
unsigned ctlplane_sshd_ports(const char *root, uint16_t *ports, unsigned max);

/* True when ifname, or a device stacked on it, carries an IPv4 or IPv6
 * default route or an established SSH session (a local port sshd listens on,
 * or a socket of an sshd process) whose peer is routed through it; why says
 * which ("the default route through br0 (a bridge over eth1)", "the SSH
 * session from 198.18.9.2 on port 2222"). */
bool ctlplane_carries(const char *root, const char *ifname, char *why, size_t len);

/* Why scand leaves such a NIC alone, for the messages of --prepare and the engines. */
#define CTLPLANE_DPDK "giving it to DPDK would cut the host off"
#define CTLPLANE_XDP                                                                                     \
	"attaching XDP (or --prepare changing its MTU or channels) resets the link on many drivers (ena, " \
	"mlx5, i40e), which drops it"

/* The engines' check: -EPERM with "IF carries WHY: CONSEQUENCE; use another
 * NIC or set control_plane_ok = true in [nic "NIC"]" when ifname carries the
 * control plane and ok is false; 0 otherwise. */
int ctlplane_check(const char *ifname, const char *nic, bool ok, const char *consequence,
		   struct errbuf *err);
