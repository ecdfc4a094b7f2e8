/* --prepare for DPDK NICs with a PCI dpdk_port: refuse the control-plane NIC,
 * check the DPDK driver (vfio: IOMMU or no-IOMMU; ENA: write combining),
 * take the interface down, bind with driverctl (persistent) or
 * dpdk-devbind.py; --undo gives the device back to its kernel driver. */
#include "prepare.h"
#include "prepare_facts.h"
#include "ctlplane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOOL_OUT 65536
#define ENA_VENDOR "0x1d0f"

static const char *want_driver(const struct nic_config *nc)
{
	return nc->dpdk_driver[0] ? nc->dpdk_driver : "vfio-pci";
}

/* driverctl (persistent overrides) when installed, else dpdk-devbind.py. */
static const char *pick_tool(void)
{
	if (cmd_exists("driverctl"))
		return "driverctl";
	return cmd_exists("dpdk-devbind.py") ? "dpdk-devbind.py" : NULL;
}

/* What the binding tool says about pci (read-only), as a found line. */
static void tool_view(struct prep *p, struct prep_nic *rec, const char *tool, const char *pci)
{
	char *out = malloc(TOOL_OUT), line[PREP_LINE];
	struct pci_view v;
	bool dc = !strcmp(tool, "driverctl");
	const char *const argv_dc[] = { "driverctl", "list-devices", NULL };
	const char *const argv_db[] = { "dpdk-devbind.py", "--status-dev", "net", NULL };
	int r = out ? cmd_run(dc ? argv_dc : argv_db, out, TOOL_OUT) : -ENOMEM;
	if (r != 0) {
		for (char *c = out; c && *c; c++)
			*c = *c == '\n' ? ' ' : *c;
		prep_found(p, rec, "%s could not list devices (%s): %.100s", tool, r < 0 ? strerror(-r) : "failed",
			   out ? out : "");
	} else {
		if (dc)
			pci_view_driverctl(out, pci, &v);
		else
			pci_view_devbind(out, pci, &v);
		pci_view_format(&v, tool, line, sizeof(line));
		prep_found(p, rec, "%s", line);
	}
	free(out);
}

static bool iface_up(const struct prep *p, const char *ifname)
{
	char rel[128], path[512], buf[32] = "";
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/flags", ifname);
	snprintf(path, sizeof(path), "%s%s", p->env.root, rel);
	FILE *f = ifname[0] ? fopen(path, "re") : NULL;
	if (!f)
		return false;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	return ok && (strtoul(buf, NULL, 16) & 1);
}

static void read_text(const struct prep *p, const char *rel, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", p->env.root, rel);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f && !fgets(buf, (int)len, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* ENA's LLQ needs write combining, which the in-tree vfio-pci lacks. */
static void wc_check(struct prep *p, struct prep_nic *rec, const char *drv)
{
	char v[16];
	if (!strcmp(drv, "igb_uio")) {
		read_text(p, "/sys/module/igb_uio/parameters/wc_activate", v, sizeof(v));
		if (v[0] != '1')
			prep_found(p, rec, "warning: ENA LLQ needs write combining: load igb_uio with wc_activate=1");
		return;
	}
	read_text(p, "/sys/module/vfio_pci/taint", v, sizeof(v));
	if (!strcmp(drv, "vfio-pci") && !strchr(v, 'O'))
		prep_found(p, rec,
			   "warning: the in-tree vfio-pci has no write combining, so the ENA PMD runs LLQ without it (slow TX): build vfio-pci with WC (amzn-drivers userspace/dpdk/enav2-vfio-patch/get-vfio-with-wc.sh) or use dpdk_driver = igb_uio with wc_activate=1");
}

/* The DPDK driver is loaded and usable (vfio: IOMMU groups or no-IOMMU mode). */
static int driver_ready(struct prep *p, struct prep_nic *rec, const char *drv, bool ena)
{
	char rel[128];
	int r;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s", drv);
	if (!prep_exists(p, rel)) {
		if ((r = prep_run(p, rec, (const char *const[]){ "modprobe", drv, NULL })) < 0)
			return r;
		if (p->dry_run) {
			prep_found(p, rec, "%s is not loaded yet: its checks run after modprobe", drv);
			return 0;
		}
	}
	if (!strcmp(drv, "vfio-pci")) {
		if (!dpdk_vfio_usable(&p->env))
			return prep_fail(p, rec, -ENXIO,
					 "vfio-pci cannot work here: no IOMMU groups and no-IOMMU mode is off: boot with intel_iommu=on iommu=pt (or amd_iommu=on), or where there is no IOMMU (most EC2 instances) turn on no-IOMMU mode: echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode (persist: \"options vfio enable_unsafe_noiommu_mode=1\" in /etc/modprobe.d/vfio.conf)");
		prep_found(p, rec, "vfio: %s", prep_exists(p, "/sys/kernel/iommu_groups/0") ? "IOMMU groups present" : "no-IOMMU mode");
	}
	if (ena)
		wc_check(p, rec, drv);
	return 0;
}

static int bind_to(struct prep *p, struct prep_nic *rec, const char *tool, const char *pci, const char *drv)
{
	char opt[48];
	if (!strcmp(tool, "driverctl"))
		return prep_run(p, rec, (const char *const[]){ "driverctl", "set-override", pci, drv, NULL });
	snprintf(opt, sizeof(opt), "--bind=%s", drv);
	return prep_run(p, rec, (const char *const[]){ "dpdk-devbind.py", opt, pci, NULL });
}

static void remember(struct prep_nic *rec, const char *pci, const char *ifname, const char *from, const char *to,
		     const char *tool, bool up)
{
	rec->bound = true;
	rec->bind_done = false;
	rec->was_up = up;
	snprintf(rec->pci, sizeof(rec->pci), "%s", pci);
	snprintf(rec->ifname, sizeof(rec->ifname), "%s", ifname);
	snprintf(rec->from_drv, sizeof(rec->from_drv), "%s", from);
	snprintf(rec->to_drv, sizeof(rec->to_drv), "%s", to);
	snprintf(rec->tool, sizeof(rec->tool), "%s", tool);
}

/* Intent recorded, down (dpdk-devbind.py refuses an active interface),
 * bind, done, check. */
static int take(struct prep *p, struct prep_nic *rec, const char *tool, const char *pci, const char *drv,
		const char *want, const char *ifname)
{
	bool up = iface_up(p, ifname);
	char now[32];
	int r = 0;
	if (!p->dry_run) {
		remember(rec, pci, ifname, drv, want, tool, up);
		r = prep_journal(p, rec);
	}
	if (r == 0 && up)
		r = prep_run(p, rec, (const char *const[]){ "ip", "link", "set", ifname, "down", NULL });
	if (r == 0 && (r = bind_to(p, rec, tool, pci, want)) < 0 && up && !p->dry_run) /* give the host its interface back */
		prep_run(p, rec, (const char *const[]){ "ip", "link", "set", ifname, "up", NULL });
	if (r < 0) {
		rec->bound = false; /* nothing changed: nothing to undo */
		return r;
	}
	if (p->dry_run)
		return 0;
	rec->bind_done = true;
	if ((r = prep_journal(p, rec)) < 0)
		return r;
	dpdk_pci_driver(&p->env, pci, now, sizeof(now));
	if (strcmp(now, want))
		return prep_fail(p, rec, -EIO, "%s: %s reported success but the device is bound to %s, not %s", pci, tool,
				 now[0] ? now : "no driver", want);
	return 0;
}

int prep_dpdk_nic(struct prep *p, const struct nic_config *nc, struct prep_nic *rec)
{
	char pci[16], drv[32], ifname[IFNAMSIZ], vendor[16], rel[128];
	const char *want = want_driver(nc), *tool;
	struct errbuf e;
	int r;
	if (!dpdk_is_pci(nc->dpdk_port, pci, sizeof(pci))) {
		prep_found(p, rec, "dpdk_port %s is a virtual device: nothing to bind", nc->dpdk_port);
		return 0;
	}
	if (!dpdk_pci_exists(&p->env, pci)) {
		dpdk_diag_pci(&p->env, pci, &e);
		return prep_fail(p, rec, -ENODEV, "%s", e.msg);
	}
	dpdk_pci_driver(&p->env, pci, drv, sizeof(drv));
	dpdk_pci_netdev(&p->env, pci, ifname, sizeof(ifname));
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/vendor", pci);
	read_text(p, rel, vendor, sizeof(vendor));
	prep_found(p, rec, "%s: vendor %s, driver %s%s%s%s", pci, vendor, drv[0] ? drv : "(none)",
		   ifname[0] ? ", interface " : "", ifname, iface_up(p, ifname) ? " (up)" : "");
	if (!(tool = pick_tool()))
		return prep_fail(p, rec, -ENOENT,
				 "neither driverctl nor dpdk-devbind.py is installed: apt-get install driverctl (or dpdk)");
	tool_view(p, rec, tool, pci);
	bool ena = !strcmp(vendor, ENA_VENDOR);
	if (!strcmp(drv, want)) {
		prep_found(p, rec, "%s is bound to %s already", pci, want);
		return driver_ready(p, rec, want, ena);
	}
	if ((r = prep_control_plane(p, rec, nc, ifname, CTLPLANE_DPDK, "binding it anyway")) < 0 ||
	    (r = driver_ready(p, rec, want, ena)) < 0)
		return r;
	return take(p, rec, tool, pci, drv, want, ifname);
}

/* After a rebind the kernel interface comes back (udev may take a moment). */
static bool wait_iface(const struct prep *p, const char *ifname)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "/sys/class/net/%s", ifname);
	for (int i = 0; i < 50; i++) {
		if (prep_exists(p, rel))
			return true;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	return false;
}

static int give_back(struct prep *p, struct prep_nic *rec)
{
	char opt[48];
	if (!strcmp(rec->tool, "driverctl"))
		return prep_run(p, rec, (const char *const[]){ "driverctl", "unset-override", rec->pci, NULL });
	if (!rec->from_drv[0])
		return prep_run(p, rec, (const char *const[]){ "dpdk-devbind.py", "-u", rec->pci, NULL });
	snprintf(opt, sizeof(opt), "--bind=%s", rec->from_drv);
	return prep_run(p, rec, (const char *const[]){ "dpdk-devbind.py", opt, rec->pci, NULL });
}

/* driverctl keeps an override (across reboots) even when its bind did not
 * happen: a bind cut short by a crash may have left one. */
static bool override_left(const struct prep_nic *rec)
{
	char *out = malloc(TOOL_OUT);
	struct pci_view v = { 0 };
	bool set = out && !strcmp(rec->tool, "driverctl") &&
		   cmd_run((const char *const[]){ "driverctl", "list-devices", NULL }, out, TOOL_OUT) == 0 &&
		   pci_view_driverctl(out, rec->pci, &v) == 0 && v.override;
	free(out);
	return set;
}

/* A bind started but never marked done (scand was killed): the device may
 * still have its kernel driver, its interface down, and driverctl an
 * override. */
static int undo_started(struct prep *p, struct prep_nic *rec, const char *now)
{
	char rel[128];
	int r;
	if (override_left(rec) && (r = prep_run(p, rec, (const char *const[]){ "driverctl", "unset-override", rec->pci, NULL })) < 0)
		return r;
	snprintf(rel, sizeof(rel), "/sys/class/net/%s", rec->ifname);
	if (rec->was_up && rec->ifname[0] && !strcmp(now, rec->from_drv) && prep_exists(p, rel) && !iface_up(p, rec->ifname))
		return prep_run(p, rec, (const char *const[]){ "ip", "link", "set", rec->ifname, "up", NULL });
	return 0;
}

int prep_dpdk_undo(struct prep *p, struct prep_nic *rec)
{
	char now[32];
	int r;
	if (!rec->bound)
		return 0;
	dpdk_pci_driver(&p->env, rec->pci, now, sizeof(now));
	if (strcmp(now, rec->to_drv) && !rec->bind_done) {
		if ((r = undo_started(p, rec, now)) < 0)
			return r;
	} else if (strcmp(now, rec->to_drv)) {
		prep_found(p, rec, "%s is bound to %s now, not to %s as scand left it: left alone", rec->pci,
			   now[0] ? now : "no driver", rec->to_drv);
	} else {
		if ((r = give_back(p, rec)) < 0)
			return r;
		if (rec->was_up && rec->ifname[0] && !p->dry_run && !wait_iface(p, rec->ifname))
			prep_found(p, rec, "%s did not come back as %s: bring its interface up by hand", rec->pci, rec->ifname);
		else if (rec->was_up && rec->ifname[0] &&
			 (r = prep_run(p, rec, (const char *const[]){ "ip", "link", "set", rec->ifname, "up", NULL })) < 0)
			return r;
	}
	if (!p->dry_run)
		rec->bound = false;
	return 0;
}
