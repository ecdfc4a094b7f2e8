/* Fake host for scand --prepare unit tests: a temporary root with /proc and
 * /sys files, and stub driverctl, dpdk-devbind.py, ip, ethtool, mount,
 * umount and modprobe on PATH that record their arguments (root/cmds.log)
 * and change the fake tree the way the real tools change the host. Each
 * stub run is a step (counted in root/step); a stub pauses (writes its pid
 * to root/paused and sleeps) before its effect when root/pause.before.N
 * exists for its step N, after it when root/pause.after.N does. */
#pragma once
#include "fakeroot.h"
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

static const char *const stubs[][2] = {
	{ "driverctl", "case $1 in\n"
		       "list-devices) for d in $R/sys/bus/pci/devices/*; do drv=$(basename \"$(readlink $d/driver)\" 2>/dev/null); o=; [ -f $R/override.$(basename $d) ] && o=' [*]'; echo \"$(basename $d) ${drv:-(none)}$o\"; done ;;\n"
		       "set-override) [ -f $R/fail.bind ] && { echo \"Error: unable to bind $2 to $3\" >&2; exit 1; }\n"
		       "    echo $3 > $R/override.$2; ln -sfn ../../../bus/pci/drivers/$3 $R/sys/bus/pci/devices/$2/driver ;;\n"
		       "unset-override) rm -f $R/override.$2; ln -sfn ../../../bus/pci/drivers/$(cat $R/kdrv.$2) $R/sys/bus/pci/devices/$2/driver; [ -f $R/kif.$2 ] && echo 0x1002 > $R/sys/class/net/$(cat $R/kif.$2)/flags ;;\n"
		       "esac\n" },
	{ "dpdk-devbind.py", "case $1 in\n"
			     "--status-dev) cat $R/devbind.out ;;\n"
			     "--bind=*) ln -sfn ../../../bus/pci/drivers/${1#--bind=} $R/sys/bus/pci/devices/$2/driver ;;\n"
			     "-u) rm -f $R/sys/bus/pci/devices/$2/driver ;;\n"
			     "esac\n" },
	{ "ip", "f=$R/sys/class/net/$3\n"
		"case $4 in\n"
		"down) echo 0x1002 > $f/flags ;;\n"
		"up) echo 0x1003 > $f/flags ;;\n"
		"mtu) [ -f $R/fail.mtu ] || echo $5 > $f/mtu ;;\n"
		"esac\n" },
	{ "ethtool", "case $1 in\n"
		     "-i) cat $R/ethtool-i.$2 ;;\n"
		     "-l) [ -f $R/ch.$2 ] || { echo 'netlink error: Operation not supported' >&2; exit 76; }\n"
		     "    read mr mt mc r t c < $R/ch.$2\n"
		     "    na() { if [ $1 = 0 ]; then echo n/a; else echo $1; fi; }\n"
		     "    printf 'Channel parameters for %s:\\nPre-set maximums:\\nRX:\\t\\t%s\\nTX:\\t\\t%s\\nOther:\\t\\tn/a\\nCombined:\\t%s\\nCurrent hardware settings:\\nRX:\\t\\t%s\\nTX:\\t\\t%s\\nOther:\\t\\tn/a\\nCombined:\\t%s\\n' $2 $(na $mr) $(na $mt) $(na $mc) $(na $r) $(na $t) $(na $c) ;;\n"
		     "-L) read mr mt mc r t c < $R/ch.$2\n"
		     "    if [ $3 = combined ]; then c=$4; else r=$4; t=$6; fi\n"
		     "    echo $mr $mt $mc $r $t $c > $R/ch.$2 ;;\n"
		     "esac\n" },
	{ "mount", "d=${6#$R}; echo \"nodev $d hugetlbfs rw,relatime,$4 0 0\" >> $R/proc/mounts\n" },
	{ "umount", "d=${1#$R}; grep -v \" $d \" $R/proc/mounts > $R/mounts.tmp; mv $R/mounts.tmp $R/proc/mounts\n" },
	{ "modprobe", "mkdir -p $R/sys/bus/pci/drivers/$1\n" },
};

/* The stub bin directory on PATH (and nothing else: the real tools are hidden). */
static void stubs_install(void)
{
	char path[512];
	for (size_t i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", root, stubs[i][0]);
		char head[512];
		snprintf(head, sizeof(head),
			 "#!/bin/sh\nPATH=/usr/bin:/bin\nR=%s\necho \"%s $*\" >> $R/cmds.log\n"
			 "n=$(( $(cat $R/step 2>/dev/null || echo 0) + 1 )); echo $n > $R/step\n"
			 "pause() { if [ -f $R/pause.$1.$n ]; then echo $$ > $R/paused.w && mv $R/paused.w $R/paused; exec sleep 600; fi; }\n"
			 "pause before\n",
			 root, stubs[i][0]);
		put(path + strlen(root), head);
		FILE *f = fopen(path, "a");
		assert_non_null(f);
		fputs(stubs[i][1], f);
		fputs("rc=$?\npause after\nexit $rc\n", f);
		fclose(f);
		assert_int_equal(chmod(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/bin", root);
	setenv("PATH", path, 1);
}

static inline void stub_remove(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/bin/%s", root, name);
	assert_int_equal(unlink(path), 0);
}

/* The commands the stubs ran since the last call, one per line; then cleared. */
static inline const char *cmds(void)
{
	static char buf[4096];
	char path[512];
	snprintf(buf, sizeof(buf), "%s", get("/cmds.log"));
	snprintf(path, sizeof(path), "%s/cmds.log", root);
	unlink(path);
	return buf;
}

#define PCI "0000:00:06.0"

/* An ENA at PCI bound to ena as eth1 (up), vfio with IOMMU groups. */
static inline void ena_device(void)
{
	put("/sys/bus/pci/devices/" PCI "/vendor", "0x1d0f\n");
	put("/sys/bus/pci/devices/" PCI "/net/eth1/ifindex", "3\n");
	put("/sys/class/net/eth1/flags", "0x1003\n");
	sh("mkdir -p %s/sys/bus/pci/drivers/ena && ln -sfn ../../../bus/pci/drivers/ena %s/sys/bus/pci/devices/" PCI "/driver",
	   root, root);
	put("/kdrv." PCI, "ena\n");
	put("/kif." PCI, "eth1\n");
	put("/dev/vfio/vfio", "");
	put("/sys/kernel/iommu_groups/0/type", "DMA\n");
	put("/devbind.out", "\nNetwork devices using kernel driver\n===================================\n" PCI
			    " 'Elastic Network Adapter (ENA) ec20' if=eth1 drv=ena unused=vfio-pci \n");
}

/* cfg from "[daemon] state_dir = /state" (under root) and body. */
static inline void prep_load(struct config *cfg, const char *body)
{
	char text[2048];
	struct errbuf e;
	snprintf(text, sizeof(text), "[daemon]\nstate_dir = /state\n%s", body);
	if (config_load_string(cfg, text, "t.conf", &e) < 0)
		fail_msg("%s", e.msg);
}

static int fake_setup(void **st)
{
	(void)st;
	snprintf(root, sizeof(root), "/tmp/scand-prep.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("/proc/meminfo", "MemTotal: 1000 kB\nHugepagesize:       2048 kB\n");
	put("/proc/mounts", "proc /proc proc rw 0 0\n");
	put("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
			       "eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	put("/proc/net/ipv6_route", "");
	put("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	put("/proc/net/tcp6", "");
	put("/dev/.keep", "");
	stubs_install();
	return 0;
}

static int fake_teardown(void **st)
{
	(void)st;
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	sh("rm -rf '%s'", root);
	return 0;
}
