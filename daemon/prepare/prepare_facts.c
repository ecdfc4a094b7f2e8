/* Read-only facts for DPDK binding: what driverctl and dpdk-devbind.py say
 * about a PCI device (their text output parsed). */
#include "prepare_facts.h"

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
