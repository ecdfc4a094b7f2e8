/* Read-only facts for DPDK binding: driverctl / dpdk-devbind.py output about
 * one PCI device. */
#pragma once
#include "common.h"

#include <net/if.h>

/* What a binding tool says about one PCI device. */
struct pci_view {
	bool listed;	     /* the tool lists the device */
	char drv[32];	     /* bound driver, "" when none */
	char ifname[IFNAMSIZ]; /* kernel interface (dpdk-devbind.py) */
	char unused[64];     /* other drivers that could take it (dpdk-devbind.py) */
	bool override;	     /* a driverctl override is set */
	bool active;	     /* dpdk-devbind.py: the interface has routes (it refuses to bind) */
};

/* Parse `driverctl list-devices` / `dpdk-devbind.py --status-dev net` output
 * for pci. 0, or -ENOENT when the device is not listed. */
int pci_view_driverctl(const char *out, const char *pci, struct pci_view *v);
int pci_view_devbind(const char *out, const char *pci, struct pci_view *v);
/* "driverctl: driver ena, override set" for reports. */
void pci_view_format(const struct pci_view *v, const char *tool, char *buf, size_t len);
