/* scand --prepare for NICs on a fake host (tests/unit/prepfake.h): DPDK
 * binding (control-plane refusal, interface down before the bind, driverctl
 * preferred over dpdk-devbind.py, vfio and write-combining checks, dry run,
 * undo) and AF_XDP MTU/channels with the fix flags on and off; the tool
 * output parsers on output captured from real driverctl, dpdk-devbind.py
 * and ethtool. */
#include "prepfake.h"

#include "config.h"
#include "prepare.h"
#include "prepare_facts.h"
#include "prepare_xdp.h"
#include "ctlplane.h"
#include "statefile.h"

static struct config cfg;

static void load(const char *nics)
{
	prep_load(&cfg, nics);
}

/* The report daemon.info would show for nic, as JSON text. */
static char *report(const char *nic)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/state", root);
	cJSON *o = prepare_report_nic(dir, nic);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static bool report_has(const char *nic, const char *text)
{
	char *s = report(nic);
	bool r = strstr(s, text) != NULL;
	if (!r && getenv("PREP_DEBUG"))
		print_message("report of %s: %s\n", nic, s);
	free(s);
	return r;
}

static const char *driver_now(void)
{
	static char drv[64];
	char path[256], link[256];
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/" PCI "/driver", root);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(drv, sizeof(drv), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	return drv;
}

static const char *const dpdk_nic = "[nic \"d1\"]\nengine = dpdk\ndpdk_port = " PCI "\n";

static void test_bind_driverctl_and_undo(void **st)
{
	(void)st;
	ena_device();
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	/* the interface goes down before the bind; vfio-pci is loaded first */
	assert_string_equal(cmds(), "driverctl list-devices\nmodprobe vfio-pci\nip link set eth1 down\n"
				    "driverctl set-override " PCI " vfio-pci\n");
	assert_string_equal(driver_now(), "vfio-pci");
	assert_string_equal(get("/sys/class/net/eth1/flags"), "0x1002\n");
	assert_true(report_has("d1", "\"did\":[\"modprobe vfio-pci\",\"ip link set eth1 down\",\"driverctl set-override " PCI " vfio-pci\"]"));
	assert_true(report_has("d1", PCI ": vendor 0x1d0f, driver ena, interface eth1 (up)"));
	assert_true(report_has("d1", "driverctl: driver ena"));
	assert_true(report_has("d1", "vfio: IOMMU groups present"));
	assert_true(report_has("d1", "warning: the in-tree vfio-pci has no write combining"));
	assert_true(report_has("d1", "\"error\":null"));
	/* idempotent: nothing to change the second time */
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "driverctl list-devices\n");
	assert_true(report_has("d1", PCI " is bound to vfio-pci already"));
	/* an out-of-tree (patched) vfio-pci: no write-combining warning */
	put("/sys/module/vfio_pci/taint", "OE\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	cmds();
	assert_false(report_has("d1", "write combining"));
	/* undo: back to ena, interface up again, record gone */
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "driverctl unset-override " PCI "\nip link set eth1 up\n");
	assert_string_equal(driver_now(), "ena");
	assert_string_equal(get("/sys/class/net/eth1/flags"), "0x1003\n");
	assert_false(present("/state/prepare.json"));
	/* nothing recorded: undo does nothing */
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "");
}

static void test_bind_fails(void **st)
{
	(void)st;
	ena_device();
	put("/fail.bind", "");
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	/* the interface is given back when the bind fails */
	assert_string_equal(cmds(), "driverctl list-devices\nmodprobe vfio-pci\nip link set eth1 down\n"
				    "driverctl set-override " PCI " vfio-pci\nip link set eth1 up\n");
	assert_string_equal(get("/sys/class/net/eth1/flags"), "0x1003\n");
	assert_true(report_has("d1", "\"error\":\"driverctl set-override " PCI " vfio-pci failed (exit 1): Error: unable to bind " PCI " to vfio-pci\""));
	assert_int_equal(prepare_main(&cfg, root, false, true), 0); /* nothing was bound: nothing to undo */
	assert_string_equal(cmds(), "");
}

static void test_bind_devbind(void **st)
{
	(void)st;
	ena_device();
	sh("mkdir -p %s/sys/bus/pci/drivers/vfio-pci", root);
	put("/sys/class/net/eth1/flags", "0x1002\n"); /* already down: no ip command */
	stub_remove("driverctl");
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "dpdk-devbind.py --status-dev net\ndpdk-devbind.py --bind=vfio-pci " PCI "\n");
	assert_true(report_has("d1", "dpdk-devbind.py: driver ena, interface eth1, other drivers vfio-pci"));
	assert_string_equal(driver_now(), "vfio-pci");
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "dpdk-devbind.py --bind=ena " PCI "\n"); /* was down: stays down */
	assert_string_equal(driver_now(), "ena");
}

static void test_dpdk_driver_choice(void **st)
{
	(void)st;
	ena_device();
	load("[nic \"d1\"]\nengine = dpdk\ndpdk_port = 00:06.0\ndpdk_driver = igb_uio\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "driverctl list-devices\nmodprobe igb_uio\nip link set eth1 down\n"
				    "driverctl set-override " PCI " igb_uio\n");
	assert_true(report_has("d1", "warning: ENA LLQ needs write combining: load igb_uio with wc_activate=1"));
	assert_false(report_has("d1", "vfio:"));
}

static void test_control_plane_refused(void **st)
{
	(void)st;
	ena_device();
	/* eth1 carries the default route */
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			       "eth1\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n");
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "driverctl list-devices\n"); /* not taken down, not bound */
	assert_string_equal(driver_now(), "ena");
	assert_true(report_has("d1", "\"error\":\"eth1 carries the default route: giving it to DPDK would cut the host off; use another NIC or set control_plane_ok = true in [nic \\\"d1\\\"]\""));
	/* an SSH session whose peer is routed through eth1 (IPv4, then IPv6) */
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			       "eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n"
			       "eth1\t007100CB\t00000000\t0001\t0\t0\t0\t00FFFFFF\n");
	put("/proc/net/tcp", "  sl  local_address rem_address   st\n"
			     "   0: 0A7100CB:0016 077100CB:D431 01 00000000:00000000 00:00000000 00000000 0 0 1\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	cmds();
	assert_true(report_has("d1", "eth1 carries the SSH session from 203.0.113.7"));
	put("/proc/net/tcp", "");
	put("/proc/net/ipv6_route", "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
				    "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth1\n");
	put("/proc/net/tcp6", "  sl  local_address                         remote_address                        st\n"
			      "   0: B80D0120000000000000000001000000:0016 B80D0120000000000000000007000000:C350 01 0\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	cmds();
	assert_true(report_has("d1", "eth1 carries the SSH session from 2001:db8::7"));
	/* a session on another port, or one that is closing, does not count */
	put("/proc/net/tcp6", "  sl  local_address                         remote_address                        st\n"
			      "   0: B80D0120000000000000000001000000:0050 B80D0120000000000000000007000000:C350 01 0\n"
			      "   1: B80D0120000000000000000001000000:0016 B80D0120000000000000000007000000:C351 06 0\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(driver_now(), "vfio-pci");
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(driver_now(), "ena");
	cmds();
	/* control_plane_ok overrides */
	put("/proc/net/tcp6", "   0: B80D0120000000000000000001000000:0016 B80D0120000000000000000007000000:C350 01 0\n");
	load("[nic \"d1\"]\nengine = dpdk\ndpdk_port = " PCI "\ncontrol_plane_ok = true\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_true(report_has("d1", "eth1 carries the SSH session from 2001:db8::7 on port 22; control_plane_ok = true: binding it anyway"));
	assert_string_equal(driver_now(), "vfio-pci");
}

/* A NIC that is a bond member (the bonding module is missing on the build
 * machine: a real bond could not be made, so this fake sysfs tree stands in
 * for it -- the master and upper_* links are those the kernel makes for
 * bonds, bridges and VLANs alike), with the default route on the bond, or
 * on a VLAN over the bond; and an sshd on port 2222 found from the socket
 * its process owns, not from any config. */
static void test_control_plane_stacked(void **st)
{
	char why[256];
	(void)st;
	ena_device();
	put("/sys/class/net/bond0/uevent", "DEVTYPE=bond\nINTERFACE=bond0\nIFINDEX=7\n");
	put("/sys/class/net/bond0/bonding/slaves", "eth1 eth3\n");
	sh("ln -sfn ../bond0 %s/sys/class/net/eth1/master && ln -sfn ../bond0 %s/sys/class/net/eth1/upper_bond0", root, root);
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			       "bond0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n");
	assert_true(ctlplane_carries(root, "eth1", why, sizeof(why)));
	assert_string_equal(why, "the default route through bond0 (a bond over eth1)");
	assert_false(ctlplane_carries(root, "eth2", why, sizeof(why)));
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "driverctl list-devices\n"); /* not taken down, not bound */
	assert_true(report_has("d1", "eth1 carries the default route through bond0 (a bond over eth1): giving it to DPDK would cut the host off"));
	/* the same NIC for AF_XDP: no MTU or channel change either */
	put("/sys/class/net/eth1/mtu", "9001\n");
	put("/ethtool-i.eth1", "driver: ena\n");
	load("[nic \"eth1\"]\nengine = af_xdp\nxdp_mtu_fix = true\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "ethtool -i eth1\n");
	assert_string_equal(get("/sys/class/net/eth1/mtu"), "9001\n");
	assert_true(report_has("eth1", "eth1 carries the default route through bond0 (a bond over eth1): attaching XDP (or --prepare changing its MTU or channels) resets the link"));
	load(dpdk_nic);
	/* a VLAN over the bond carries it: two levels up */
	put("/sys/class/net/bond0.10/uevent", "DEVTYPE=vlan\nINTERFACE=bond0.10\n");
	sh("ln -sfn ../bond0.10 %s/sys/class/net/bond0/upper_bond0.10", root);
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			       "bond0.10\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n");
	assert_true(ctlplane_carries(root, "eth1", why, sizeof(why)));
	assert_string_equal(why, "the default route through bond0.10 (a VLAN over bond0)");
	/* no default route; an sshd (pid 4242) listens on 2222 and has a session
	 * whose peer is on the bond's subnet */
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			       "eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\n"
			       "bond0\t007100CB\t00000000\t0001\t0\t0\t0\t00FFFFFF\n");
	put("/proc/4242/comm", "sshd\n");
	put("/proc/77/comm", "python3\n");
	sh("mkdir -p %s/proc/4242/fd %s/proc/77/fd && ln -sfn 'socket:[5001]' %s/proc/4242/fd/3 && "
	   "ln -sfn /dev/null %s/proc/4242/fd/0 && ln -sfn 'socket:[6001]' %s/proc/77/fd/3", root, root, root, root, root);
	put("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
			     "   0: 00000000:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1\n"
			     "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6001 1\n"
			     "   2: 0A7100CB:0016 097100CB:D431 01 00000000:00000000 00:00000000 00000000     0        0 6002 1\n");
	uint16_t ports[4];
	assert_int_equal(ctlplane_sshd_ports(root, ports, 4), 1);
	assert_int_equal(ports[0], 2222); /* 22 here is python's, not sshd's */
	assert_false(ctlplane_carries(root, "eth1", why, sizeof(why))); /* a session on 22 is not ssh here */
	put("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
			     "   0: 00000000:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1\n"
			     "   1: 0A7100CB:08AE 077100CB:D431 01 00000000:00000000 00:00000000 00000000     0        0 5002 1\n");
	assert_true(ctlplane_carries(root, "eth1", why, sizeof(why)));
	assert_string_equal(why, "the SSH session from 203.0.113.7 on port 2222 through bond0 (a bond over eth1)");
	/* no sshd process to read: port 22 is assumed */
	sh("rm -rf %s/proc/4242", root);
	assert_int_equal(ctlplane_sshd_ports(root, ports, 4), 1);
	assert_int_equal(ports[0], 22);
}

static void test_vfio_unusable(void **st)
{
	(void)st;
	ena_device();
	sh("rm -rf %s/sys/kernel/iommu_groups/0", root);
	put("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "driverctl list-devices\nmodprobe vfio-pci\n"); /* no down, no bind */
	assert_true(report_has("d1", "vfio-pci cannot work here: no IOMMU groups and no-IOMMU mode is off"));
	assert_true(report_has("d1", "echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode"));
	put("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_true(report_has("d1", "vfio: no-IOMMU mode"));
}

static void test_dry_run_and_missing(void **st)
{
	(void)st;
	ena_device();
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, true, false), 0);
	assert_string_equal(cmds(), "driverctl list-devices\n"); /* queries only */
	assert_string_equal(driver_now(), "ena");
	assert_false(present("/state/prepare.json"));
	/* no such device; a vdev; no binding tool */
	load("[nic \"x\"]\nengine = dpdk\ndpdk_port = 0000:00:1f.7\n[nic \"v\"]\nengine = dpdk\ndpdk_port = net_null0\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_true(report_has("x", "no PCI device 0000:00:1f.7 on this host (lspci -D lists the addresses)"));
	assert_true(report_has("v", "dpdk_port net_null0 is a virtual device: nothing to bind"));
	stub_remove("driverctl");
	stub_remove("dpdk-devbind.py");
	load(dpdk_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_true(report_has("d1", "neither driverctl nor dpdk-devbind.py is installed: apt-get install driverctl (or dpdk)"));
}

static const char *const xdp_nic = "[nic \"eth2\"]\nengine = af_xdp\n";

static void test_xdp_fix_off(void **st)
{
	(void)st;
	put("/sys/class/net/eth2/mtu", "9001\n");
	put("/ethtool-i.eth2", "driver: ena\nversion: 2.8.0\n");
	put("/ch.eth2", "0 0 8 0 0 8\n");
	load(xdp_nic);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "ethtool -i eth2\nethtool -l eth2\n");
	assert_true(report_has("eth2", "driver ena, MTU 9001 (XDP limit 3498)"));
	assert_true(report_has("eth2", "combined channels: 8 of 8 in use"));
	assert_true(report_has("eth2", "\"error\":\"eth2: XDP needs MTU <= 3498 on ena (now 9001): ip link set eth2 mtu 3498, or set xdp_mtu_fix = true in [nic \\\"eth2\\\"]; "
				       "eth2: ena needs free queue pairs for XDP but all 8 channels are in use: ethtool -L eth2 combined 4, or set xdp_channels_fix = true in [nic \\\"eth2\\\"]\""));
	assert_string_equal(get("/sys/class/net/eth2/mtu"), "9001\n");
	/* another driver: no known XDP limit, no channel rule */
	put("/ethtool-i.eth2", "driver: veth\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_true(report_has("eth2", "driver veth, MTU 9001\""));
}

static void test_xdp_fix_on_and_undo(void **st)
{
	(void)st;
	put("/sys/class/net/eth2/mtu", "9001\n");
	put("/ethtool-i.eth2", "driver: ena\n");
	put("/ch.eth2", "0 0 8 0 0 8\n");
	load("[nic \"eth2\"]\nengine = af_xdp\nxdp_mtu_fix = true\nxdp_channels_fix = true\n");
	assert_int_equal(prepare_main(&cfg, root, true, false), 0); /* dry run first */
	assert_string_equal(cmds(), "ethtool -i eth2\nethtool -l eth2\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "ethtool -i eth2\nip link set eth2 mtu 3498\nethtool -l eth2\n"
				    "ethtool -L eth2 combined 4\nethtool -l eth2\n");
	assert_string_equal(get("/sys/class/net/eth2/mtu"), "3498\n");
	assert_string_equal(get("/ch.eth2"), "0 0 8 0 0 4\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0); /* idempotent */
	assert_string_equal(cmds(), "ethtool -i eth2\nethtool -l eth2\n");
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "ethtool -l eth2\nethtool -L eth2 combined 8\nip link set eth2 mtu 9001\n");
	assert_string_equal(get("/sys/class/net/eth2/mtu"), "9001\n");
	assert_string_equal(get("/ch.eth2"), "0 0 8 0 0 8\n");
	/* rx/tx channels (no combined): both halved; an MTU that does not stick is an error */
	put("/ch.eth2", "4 4 0 4 4 0\n");
	put("/fail.mtu", "");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), "ethtool -i eth2\nip link set eth2 mtu 3498\nethtool -l eth2\n"
				    "ethtool -L eth2 rx 2 tx 2\nethtool -l eth2\n");
	assert_true(report_has("eth2", "\"error\":\"eth2: MTU is 9001 after ip link set, not 3498\""));
	assert_string_equal(get("/ch.eth2"), "4 4 0 2 2 0\n");
	/* the MTU change that did not read back is recorded all the same: --undo
	 * looks, finds 9001 (not what scand set) and leaves it; channels go back */
	assert_non_null(strstr(get("/state/prepare.json"), "\"mtu_after\":\t3498"));
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "ethtool -l eth2\nethtool -L eth2 rx 4 tx 4\n");
	assert_false(present("/state/prepare.json"));
}

/* The whole record (get() holds 8 KiB), malloc'd. */
static char *record_text(void)
{
	char path[256], *text = NULL;
	snprintf(path, sizeof(path), "%s/state/prepare.json", root);
	assert_int_equal(statefile_read(path, 1 << 20, &text, NULL), 0);
	return text;
}

/* A record whose table is full of NICs with changes to undo: a new NIC is
 * refused (nothing changed on it) and no entry is overwritten; a NIC with
 * only a report gives its slot up. */
static void test_record_full(void **st)
{
	char name[16], body[64];
	(void)st;
	put("/sys/class/net/eth2/mtu", "9001\n");
	put("/ethtool-i.eth2", "driver: ena\n");
	cJSON *rec = cJSON_CreateObject(), *nics = cJSON_AddObjectToObject(rec, "nics");
	for (int i = 0; i < 2 * CONFIG_MAX_NICS + 1; i++) {
		snprintf(name, sizeof(name), "old%d", i);
		cJSON *n = cJSON_AddObjectToObject(nics, name);
		cJSON_AddNumberToObject(n, "mtu_before", 9001);
		cJSON_AddNumberToObject(n, "mtu_after", 3000 + i);
	}
	char *text = cJSON_Print(rec);
	put("/state/prepare.json", text);
	free(text);
	load("[nic \"eth2\"]\nengine = af_xdp\nxdp_mtu_fix = true\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	assert_string_equal(cmds(), ""); /* nothing run for eth2 */
	assert_string_equal(get("/sys/class/net/eth2/mtu"), "9001\n");
	text = record_text();
	for (int i = 0; i < 2 * CONFIG_MAX_NICS + 1; i++) { /* every entry kept */
		snprintf(body, sizeof(body), "\"mtu_after\":\t%d", 3000 + i);
		assert_non_null(strstr(text, body));
	}
	free(text);
	/* old7 has nothing left to undo (someone undid it by hand): its slot is reused */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(rec, "nics"), "old7");
	cJSON_AddObjectToObject(cJSON_GetObjectItem(rec, "nics"), "old7");
	text = cJSON_Print(rec);
	put("/state/prepare.json", text);
	free(text);
	cJSON_Delete(rec);
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "ethtool -i eth2\nip link set eth2 mtu 3498\nethtool -l eth2\n");
	text = record_text();
	assert_non_null(strstr(text, "\"eth2\":"));
	assert_null(strstr(text, "\"old7\":"));
	free(text);
}

/* Output captured from the real tools on this project's build machine. */
static void test_parsers_real_output(void **st)
{
	struct pci_view v;
	struct channels c;
	char drv[32], line[256];
	(void)st;
	const char *dc = "0000:00:00.0 (none)\n0000:00:01.0 virtio-pci\n0000:00:03.0 virtio-pci\n0000:00:06.0 vfio-pci [*]\n";
	assert_int_equal(pci_view_driverctl(dc, "0000:00:03.0", &v), 0);
	assert_string_equal(v.drv, "virtio-pci");
	assert_false(v.override);
	assert_int_equal(pci_view_driverctl(dc, "0000:00:00.0", &v), 0);
	assert_string_equal(v.drv, "");
	assert_int_equal(pci_view_driverctl(dc, "0000:00:06.0", &v), 0);
	assert_true(v.override);
	assert_int_equal(pci_view_driverctl(dc, "0000:00:0a.0", &v), -ENOENT);
	const char *db = "\nNetwork devices using DPDK-compatible driver\n============================================\n"
			 "0000:00:06.0 'Elastic Network Adapter (ENA) ec20' drv=vfio-pci unused=ena\n\n"
			 "Network devices using kernel driver\n===================================\n"
			 "0000:00:03.0 'Virtio 1.0 network device 1041' if=eth0 drv=virtio-pci unused= *Active*\n";
	assert_int_equal(pci_view_devbind(db, "0000:00:03.0", &v), 0);
	assert_string_equal(v.drv, "virtio-pci");
	assert_string_equal(v.ifname, "eth0");
	assert_string_equal(v.unused, "");
	assert_true(v.active);
	pci_view_format(&v, "dpdk-devbind.py", line, sizeof(line));
	assert_string_equal(line, "dpdk-devbind.py: driver virtio-pci, interface eth0, active (has routes)");
	assert_int_equal(pci_view_devbind(db, "0000:00:06.0", &v), 0);
	assert_string_equal(v.drv, "vfio-pci");
	assert_string_equal(v.unused, "ena");
	assert_false(v.active);
	const char *veth = "Channel parameters for a0:\nPre-set maximums:\nRX:\t\t4\nTX:\t\t4\nOther:\t\tn/a\nCombined:\tn/a\n"
			   "Current hardware settings:\nRX:\t\t2\nTX:\t\t2\nOther:\t\tn/a\nCombined:\tn/a\n";
	assert_int_equal(ethtool_channels_parse(veth, &c), 0);
	assert_true(c.max_rx == 4 && c.max_tx == 4 && c.max_combined == 0 && c.rx == 2 && c.tx == 2 && c.combined == 0);
	assert_int_equal(ethtool_channels_parse("netlink error: Operation not supported", &c), -ENOENT);
	assert_int_equal(ethtool_driver_parse("driver: veth\nversion: 1.0\nfirmware-version: \n", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "veth");
	assert_int_equal(ethtool_driver_parse("bus-info: driver: x\n", drv, sizeof(drv)), -ENOENT);
	assert_int_equal(xdp_mtu_limit("ena"), 3498);
	assert_int_equal(xdp_mtu_limit("veth"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_driverctl_and_undo, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_bind_fails, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_bind_devbind, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_driver_choice, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_plane_refused, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_control_plane_stacked, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_unusable, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_and_missing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_xdp_fix_off, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_xdp_fix_on_and_undo, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_record_full, fake_setup, fake_teardown),
		cmocka_unit_test(test_parsers_real_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
