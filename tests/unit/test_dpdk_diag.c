/* DPDK failure diagnosis (engines/dpdk_diag.c) on fake /proc, /sys and PMD
 * trees: every field report of the seed gives its own message and fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fakeroot.h"

#include "dpdk_diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char pmds[128];

static void link_driver(const char *addr, const char *drv)
{
	char path[512], target[128];
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", root, addr);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", drv);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **st)
{
	(void)st;
	snprintf(root, sizeof(root), "/tmp/scand-dpdk-diag.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(pmds, sizeof(pmds), "%s/pmds", root);
	put("/pmds/librte_net_null.so", "");
	put("/pmds/librte_net_af_packet.so", "");
	put("/pmds/librte_net_af_packet.so.23", "");
	put("/pmds/librte_net_ixgbe.so", "");
	put("/pmds/librte_bus_pci.so", "");
	put("/proc/meminfo", "MemTotal: 1000 kB\nHugepagesize:       2048 kB\n");
	put("/proc/mounts", "proc /proc proc rw 0 0\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#define ENV (&(struct dpdk_env){ root, pmds })

static void test_hugepages(void **st)
{
	struct errbuf e = { { 0 } };
	(void)st;
	assert_int_equal(dpdk_diag_hugepages(ENV, 256, &e), -ENOMEM);
	assert_true(strstr(e.msg, "no hugepages are reserved: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") == e.msg);
	/* 1 GiB pages reserved, only a 2 MiB hugetlbfs mounted */
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "4\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");
	assert_int_equal(dpdk_diag_hugepages(ENV, 256, &e), -ENOENT);
	assert_string_equal(e.msg, "1 GiB hugepages are reserved but no hugetlbfs is mounted for them: mkdir -p /dev/hugepages1G && mount -t hugetlbfs -o pagesize=1G nodev /dev/hugepages1G");
	/* mounted now, but 4 GiB free and 8 GiB asked for */
	put("/proc/mounts", "hugetlbfs /dev/hugepages1G hugetlbfs rw,pagesize=1024M 0 0\n");
	assert_int_equal(dpdk_diag_hugepages(ENV, 8192, &e), -ENOMEM);
	assert_true(strstr(e.msg, "not enough free hugepages: 4096 MiB free, [dpdk] eal_args ask for 8192 MiB") == e.msg);
	assert_int_equal(dpdk_diag_hugepages(ENV, 2048, &e), 0); /* fine: the cause is elsewhere */
	/* 2 MiB pages with the default-size mount (no pagesize= option) */
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "100\n");
	put("/proc/mounts", "proc /proc proc rw 0 0\n");
	assert_int_equal(dpdk_diag_hugepages(ENV, 0, &e), -ENOENT);
	assert_string_equal(e.msg, "2 MiB hugepages are reserved but no hugetlbfs is mounted for them: mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages");
	put("/proc/mounts", "nodev /dev/hugepages hugetlbfs rw 0 0\n");
	assert_int_equal(dpdk_diag_hugepages(ENV, 256, &e), -ENOMEM); /* 200 MiB free */
	assert_int_equal(dpdk_diag_hugepages(ENV, 200, &e), 0);
}

static void test_pci(void **st)
{
	struct errbuf e = { { 0 } };
	const char *a = "0000:00:06.0";
	(void)st;
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -ENODEV);
	assert_string_equal(e.msg, "no PCI device 0000:00:06.0 on this host (lspci -D lists the addresses)");
	/* an ENA bound to the kernel driver, interface up */
	put("/sys/bus/pci/devices/0000:00:06.0/vendor", "0x1d0f\n");
	put("/sys/bus/pci/devices/0000:00:06.0/net/eth1/ifindex", "3\n");
	put("/sys/class/net/eth1/flags", "0x1003\n");
	link_driver(a, "ena");
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -EBUSY);
	assert_string_equal(e.msg, "0000:00:06.0 is bound to kernel driver ena as eth1, which is up; dpdk-devbind.py refuses an active interface: ip link set eth1 down first, then dpdk-devbind.py --bind=vfio-pci 0000:00:06.0");
	put("/sys/class/net/eth1/flags", "0x1002\n");
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -EBUSY);
	assert_string_equal(e.msg, "0000:00:06.0 is bound to kernel driver ena as eth1: dpdk-devbind.py --bind=vfio-pci 0000:00:06.0");
	/* bound to vfio-pci, but no IOMMU and no no-IOMMU mode */
	link_driver(a, "vfio-pci");
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -ENXIO);
	assert_true(strstr(e.msg, "0000:00:06.0: vfio is unavailable") == e.msg);
	assert_true(strstr(e.msg, "enable_unsafe_noiommu_mode") != NULL);
	put("/dev/vfio/vfio", "");
	put("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	/* vfio fine; the ENA PMD is not installed */
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -ENOENT);
	assert_true(strstr(e.msg, "DPDK found no port for 0000:00:06.0 (Amazon ENA): the ENA PMD is not installed: apt-get install librte-net-ena23 (net PMDs in ") == e.msg);
	assert_true(strstr(e.msg, "net_af_packet, net_ixgbe, net_null)") != NULL);
	/* with the PMD installed the cause is something else, still named */
	put("/pmds/librte_net_ena.so", "");
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -ENODEV);
	assert_true(strstr(e.msg, "DPDK found no port for 0000:00:06.0 (driver vfio-pci, vendor 0x1d0f)") == e.msg);
	/* no driver at all */
	char path[512];
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", root, a);
	unlink(path);
	assert_int_equal(dpdk_diag_pci(ENV, a, &e), -ENODEV);
	assert_string_equal(e.msg, "0000:00:06.0 is not bound to any driver: dpdk-devbind.py --bind=vfio-pci 0000:00:06.0");
}

static void test_vdev(void **st)
{
	struct errbuf e = { { 0 } };
	(void)st;
	assert_int_equal(dpdk_diag_vdev(ENV, "net_bogus0,x=1", -EFAULT, &e), -ENOENT);
	assert_string_equal(e.msg, "unknown vdev driver \"net_bogus\" in dpdk_port net_bogus0,x=1; vdev PMDs installed: net_af_packet, net_null");
	assert_int_equal(dpdk_diag_vdev(ENV, "net_af_packet0,iface=nope", -EPERM, &e), -ENODEV);
	assert_string_equal(e.msg, "cannot create vdev net_af_packet0,iface=nope: there is no interface nope in scand's network namespace (ip link lists them)");
	put("/sys/class/net/veth1/flags", "0x1003\n");
	assert_int_equal(dpdk_diag_vdev(ENV, "net_af_packet0,iface=veth1,qpairs=99", -EINVAL, &e), -EINVAL);
	assert_string_equal(e.msg, "cannot create vdev net_af_packet0,iface=veth1,qpairs=99: Invalid argument; check its arguments (e.g. iface= must name an interface in scand's network namespace)");
	char buf[256];
	dpdk_list_pmds(&(struct dpdk_env){ root, "/nonexistent" }, false, buf, sizeof(buf));
	assert_string_equal(buf, "none in /nonexistent");
}

static void test_pci_names_and_numa(void **st)
{
	char out[32];
	(void)st;
	assert_true(dpdk_is_pci("0000:00:06.0", out, sizeof(out)));
	assert_string_equal(out, "0000:00:06.0");
	assert_true(dpdk_is_pci("00:1F.7", out, sizeof(out)));
	assert_string_equal(out, "0000:00:1f.7");
	assert_false(dpdk_is_pci("net_null0", out, sizeof(out)));
	assert_false(dpdk_is_pci("0000:00:06.0,x", out, sizeof(out)));
	assert_false(dpdk_is_pci("00:06", out, sizeof(out)));
	put("/sys/bus/pci/devices/0000:00:07.0/numa_node", "1\n");
	put("/sys/class/net/veth9/device/numa_node", "-1\n");
	assert_int_equal(dpdk_port_numa_node(ENV, "0000:00:07.0"), 1);
	assert_int_equal(dpdk_port_numa_node(ENV, "net_af_packet0,iface=veth9"), 0);
	assert_int_equal(dpdk_port_numa_node(ENV, "net_null0"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hugepages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci_names_and_numa, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
