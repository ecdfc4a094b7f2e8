/* Read-only facts for DPDK binding: what driverctl and dpdk-devbind.py say
 * about a PCI device (their text output parsed), and whether an interface
 * carries the host's control plane (default route, an SSH session's peer). */
#include "prepare_facts.h"
#include "netinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The line of out that starts with pci, copied into line; false when none. */
static bool find_line(const char *out, const char *pci, char *line, size_t len)
{
	size_t n = strlen(pci);
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, pci, n) == 0 && (p[n] == ' ' || p[n] == '\t')) {
			snprintf(line, len, "%.*s", (int)strcspn(p, "\n"), p);
			return true;
		}
	}
	return false;
}

/* driverctl list-devices: "0000:00:03.0 virtio-pci", "… (none)", "… vfio-pci [*]" (override set). */
int pci_view_driverctl(const char *out, const char *pci, struct pci_view *v)
{
	char line[256], drv[64] = "";
	memset(v, 0, sizeof(*v));
	if (!find_line(out, pci, line, sizeof(line)))
		return -ENOENT;
	v->listed = true;
	sscanf(line, "%*s %63s", drv);
	if (strcmp(drv, "(none)") != 0)
		snprintf(v->drv, sizeof(v->drv), "%s", drv);
	v->override = strstr(line, "[*]") != NULL;
	return 0;
}

/* The value of " key=" in s up to the next blank, or "". */
static void field(const char *s, const char *key, char *buf, size_t len)
{
	const char *p = strstr(s, key);
	buf[0] = '\0';
	if (p)
		snprintf(buf, len, "%.*s", (int)strcspn(p + strlen(key), " \t"), p + strlen(key));
}

/* dpdk-devbind.py --status-dev net:
 * "0000:00:03.0 'Virtio 1.0 network device 1041' if=eth0 drv=virtio-pci unused= *Active*" */
int pci_view_devbind(const char *out, const char *pci, struct pci_view *v)
{
	char line[512];
	memset(v, 0, sizeof(*v));
	if (!find_line(out, pci, line, sizeof(line)))
		return -ENOENT;
	v->listed = true;
	const char *rest = strrchr(line, '\''); /* after the quoted device name */
	rest = rest ? rest + 1 : line + strlen(pci);
	field(rest, " if=", v->ifname, sizeof(v->ifname));
	field(rest, " drv=", v->drv, sizeof(v->drv));
	field(rest, " unused=", v->unused, sizeof(v->unused));
	v->active = strstr(rest, "*Active*") != NULL;
	return 0;
}

void pci_view_format(const struct pci_view *v, const char *tool, char *buf, size_t len)
{
	if (!v->listed) {
		snprintf(buf, len, "%s does not list the device", tool);
		return;
	}
	snprintf(buf, len, "%s: driver %s%s%s%s%s%s", tool, v->drv[0] ? v->drv : "(none)",
		 v->override ? ", override set" : "", v->ifname[0] ? ", interface " : "", v->ifname,
		 v->unused[0] ? ", other drivers " : "", v->unused);
	if (v->active)
		snprintf(buf + strlen(buf), len - strlen(buf), ", active (has routes)");
}

/* "0100007F" (a network-order word printed in host order) or 32 such hex
 * digits for IPv6 -> address; IPv4-mapped IPv6 becomes IPv4. */
static int proc_addr(const char *hex, struct ipaddr *a)
{
	uint8_t b[16];
	size_t n = strlen(hex);
	if (n != 8 && n != 32)
		return -EINVAL;
	for (size_t w = 0; w < n / 8; w++) {
		char word[9];
		memcpy(word, hex + 8 * w, 8);
		word[8] = '\0';
		uint32_t x = (uint32_t)strtoul(word, NULL, 16);
		memcpy(b + 4 * w, &x, 4);
	}
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (n == 32 && !memcmp(b, mapped, 12))
		ipaddr_from_bytes(a, AF_INET, b + 12);
	else
		ipaddr_from_bytes(a, n == 8 ? AF_INET : AF_INET6, b);
	return 0;
}

/* The first established TCP session to local port 22 whose peer is routed
 * through ifname; its peer address in peer. */
static bool ssh_through(const char *root, const char *file, const char *ifname, char *peer, size_t len)
{
	char path[512], line[512], local[64], remote[64], st[8], via[64];
	bool found = false;
	snprintf(path, sizeof(path), "%s%s", root, file);
	FILE *f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		struct ipaddr a;
		unsigned port;
		char *colon;
		if (sscanf(line, "%*s %63s %63s %7s", local, remote, st) != 3 || strcmp(st, "01") != 0 ||
		    !(colon = strchr(local, ':')) || sscanf(colon + 1, "%x", &port) != 1 || port != 22)
			continue;
		if ((colon = strchr(remote, ':')) == NULL)
			continue;
		*colon = '\0';
		if (proc_addr(remote, &a) < 0 || netinfo_route_iface_at(root, &a, via, sizeof(via)) < 0)
			continue;
		found = !strcmp(via, ifname);
		if (found)
			ipaddr_str(&a, peer, len);
	}
	if (f)
		fclose(f);
	return found;
}

bool control_plane_iface(const char *root, const char *ifname, char *why, size_t len)
{
	char peer[64];
	if (netinfo_default_route_at(root, ifname)) {
		snprintf(why, len, "the default route");
		return true;
	}
	if (ssh_through(root, "/proc/net/tcp", ifname, peer, sizeof(peer)) ||
	    ssh_through(root, "/proc/net/tcp6", ifname, peer, sizeof(peer))) {
		snprintf(why, len, "the SSH session from %s", peer);
		return true;
	}
	return false;
}
