/* Why DPDK could not give us a port, read from /proc and /sys (under a root
 * prefix, so tests use fake trees): hugepages, PCI binding, vfio/IOMMU, PMDs. */
#pragma once
#include "common.h"

struct dpdk_env {
	const char *root;    /* "" on a real system; a fake tree in tests */
	const char *pmd_dir; /* where EAL loads PMDs from (RTE_EAL_PMD_PATH) */
};

/* "net_af_packet, net_null, ..." from the PMD directory (net PMDs only; with
 * vdev_only, only those that create virtual devices). */
void dpdk_list_pmds(const struct dpdk_env *env, bool vdev_only, char *buf, size_t len);
/* After rte_eal_init failed without --no-huge: names the hugepage problem and
 * its fix in why; 0 when the hugepage setup looks fine (cause is elsewhere). */
int dpdk_diag_hugepages(const struct dpdk_env *env, unsigned want_mb, struct errbuf *why);
/* After a PCI address gave no port: missing device, kernel driver still bound
 * (and up), no vfio/IOMMU, missing PMD. Always sets why. */
int dpdk_diag_pci(const struct dpdk_env *env, const char *addr, struct errbuf *why);
/* After a vdev spec gave no port (r = rte_dev_probe's error). Always sets why. */
int dpdk_diag_vdev(const struct dpdk_env *env, const char *spec, int r, struct errbuf *why);
/* True when /sys/bus/pci/devices/addr exists. */
bool dpdk_pci_exists(const struct dpdk_env *env, const char *addr);
/* True for "0000:00:06.0" or "00:06.0" (then normalised into out). */
bool dpdk_is_pci(const char *spec, char *out, size_t len);
/* NUMA node of the port's device (PCI numa_node, or the iface= of a vdev), 0 if unknown. */
int dpdk_port_numa_node(const struct dpdk_env *env, const char *spec);

/* A hugetlbfs mount: its directory and page size. */
struct dpdk_hugetlbfs {
	char dir[256];
	unsigned kb;
};
/* hugetlbfs mounts in /proc/mounts (page size from pagesize= or the default). */
unsigned dpdk_hugetlbfs_mounts(const struct dpdk_env *env, struct dpdk_hugetlbfs *m, unsigned max);
/* Hugepagesize from /proc/meminfo (2048 when unknown). */
unsigned dpdk_default_hugepage_kb(const struct dpdk_env *env);
/* The kernel interface of a PCI device (…/net/X, or …/virtioN/net/X), or "". */
void dpdk_pci_netdev(const struct dpdk_env *env, const char *addr, char *ifname, size_t len);
/* Name of the driver bound to a PCI device, or "" when none. */
void dpdk_pci_driver(const struct dpdk_env *env, const char *addr, char *drv, size_t len);
/* vfio-pci, uio_pci_generic or igb_uio: drivers DPDK's PCI PMDs work through. */
bool dpdk_is_dpdk_driver(const char *drv);
/* /dev/vfio/vfio exists and there are IOMMU groups or no-IOMMU mode is on. */
bool dpdk_vfio_usable(const struct dpdk_env *env);
