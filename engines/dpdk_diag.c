/* Why DPDK could not give us a port, read from /proc and /sys (under a root
 * prefix, so tests use fake trees): hugepages, PCI binding, vfio/IOMMU, PMDs. */
#include "dpdk_diag.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SIZES 4

/* Reads the first line of root + path (printf-style) into buf; 0 or -errno. */
static int read_line(const struct dpdk_env *env, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int read_line(const struct dpdk_env *env, char *buf, size_t len, const char *fmt, ...)
{
	char path[512], rel[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s%s", env->root, rel);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	buf[0] = '\0';
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool exists(const struct dpdk_env *env, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", env->root, rel);
	return access(path, F_OK) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* PMDs that create virtual devices (--vdev / dpdk_port specs). */
static const char *const vdev_pmds[] = { "net_af_packet", "net_af_xdp", "net_bond", "net_failsafe", "net_kni",
					 "net_memif", "net_null", "net_pcap", "net_ring", "net_softnic", "net_tap",
					 "net_vhost", "net_virtio_user", NULL };

static bool is_vdev_pmd(const char *name)
{
	for (const char *const *v = vdev_pmds; *v; v++)
		if (!strcmp(*v, name))
			return true;
	return false;
}

void dpdk_list_pmds(const struct dpdk_env *env, bool vdev_only, char *buf, size_t len)
{
	char *names[128];
	size_t n = 0, off = 0;
	DIR *d = opendir(env->pmd_dir);
	struct dirent *de;
	while (d && n < 128 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "librte_net_", 11) == 0 && l > 14 && strcmp(de->d_name + l - 3, ".so") == 0)
			names[n++] = strndup(de->d_name + 7, l - 10); /* "net_X" */
		if (n && vdev_only && names[n - 1] && !is_vdev_pmd(names[n - 1]))
			free(names[--n]);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (names[i] && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", names[i]);
		free(names[i]);
	}
	if (!n)
		snprintf(buf, len, "none in %s", env->pmd_dir);
}

static bool have_pmd(const struct dpdk_env *env, const char *driver)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/librte_%s.so", env->pmd_dir, driver);
	return access(path, F_OK) == 0;
}

struct hp_size {
	unsigned kb, nr, free;
	bool mounted;
};

/* Hugepage sizes the kernel offers, with reserved/free counts. */
static unsigned hp_sizes(const struct dpdk_env *env, struct hp_size *s)
{
	char dir[512], v[64];
	unsigned n = 0;
	snprintf(dir, sizeof(dir), "%s/sys/kernel/mm/hugepages", env->root);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && n < MAX_SIZES && (de = readdir(d))) {
		unsigned kb;
		if (sscanf(de->d_name, "hugepages-%ukB", &kb) != 1)
			continue;
		s[n] = (struct hp_size){ .kb = kb };
		if (read_line(env, v, sizeof(v), "/sys/kernel/mm/hugepages/%s/nr_hugepages", de->d_name) == 0)
			s[n].nr = (unsigned)strtoul(v, NULL, 10);
		if (read_line(env, v, sizeof(v), "/sys/kernel/mm/hugepages/%s/free_hugepages", de->d_name) == 0)
			s[n].free = (unsigned)strtoul(v, NULL, 10);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Page size in kB of a hugetlbfs mount's options ("rw,pagesize=1024M"). */
static unsigned mount_page_kb(const char *opts, unsigned default_kb)
{
	const char *p = strstr(opts, "pagesize=");
	if (!p)
		return default_kb;
	char *end;
	unsigned long v = strtoul(p + 9, &end, 10);
	return (unsigned)(toupper((unsigned char)*end) == 'G' ? v << 20 : toupper((unsigned char)*end) == 'M' ? v << 10 : v);
}

unsigned dpdk_default_hugepage_kb(const struct dpdk_env *env)
{
	char path[512], line[256];
	unsigned kb = 2048;
	snprintf(path, sizeof(path), "%s/proc/meminfo", env->root);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "Hugepagesize: %u kB", &kb);
	if (f)
		fclose(f);
	return kb;
}

unsigned dpdk_hugetlbfs_mounts(const struct dpdk_env *env, struct dpdk_hugetlbfs *m, unsigned max)
{
	char path[512], line[768], fs[64], opts[256];
	unsigned default_kb = dpdk_default_hugepage_kb(env), n = 0;
	snprintf(path, sizeof(path), "%s/proc/mounts", env->root);
	FILE *f = fopen(path, "re");
	while (f && n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s %63s %255s", m[n].dir, fs, opts) != 3 || strcmp(fs, "hugetlbfs") != 0)
			continue;
		m[n].kb = mount_page_kb(opts, default_kb);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void mark_mounts(const struct dpdk_env *env, struct hp_size *s, unsigned n)
{
	struct dpdk_hugetlbfs m[16];
	unsigned nm = dpdk_hugetlbfs_mounts(env, m, ARRAY_SIZE(m));
	for (unsigned j = 0; j < nm; j++)
		for (unsigned i = 0; i < n; i++)
			if (s[i].kb == m[j].kb)
				s[i].mounted = true;
}

static const char *size_name(unsigned kb, char *buf, size_t len)
{
	if (kb >= 1u << 20)
		snprintf(buf, len, "%u GiB", kb >> 20);
	else
		snprintf(buf, len, "%u MiB", kb >> 10);
	return buf;
}

int dpdk_diag_hugepages(const struct dpdk_env *env, unsigned want_mb, struct errbuf *why)
{
	struct hp_size s[MAX_SIZES];
	unsigned n = hp_sizes(env, s), reserved = 0;
	uint64_t free_mb = 0;
	char nm[32];
	mark_mounts(env, s, n);
	for (unsigned i = 0; i < n; i++)
		reserved += s[i].nr;
	if (!reserved)
		return errbuf_set(why, -ENOMEM,
				  "no hugepages are reserved: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (or add --no-huge to [dpdk] eal_args for vdev tests)");
	for (unsigned i = 0; i < n; i++) {
		if (!s[i].nr || s[i].mounted)
			continue;
		if (s[i].kb >= 1u << 20)
			return errbuf_set(why, -ENOENT,
					  "%s hugepages are reserved but no hugetlbfs is mounted for them: mkdir -p /dev/hugepages1G && mount -t hugetlbfs -o pagesize=1G nodev /dev/hugepages1G",
					  size_name(s[i].kb, nm, sizeof(nm)));
		return errbuf_set(why, -ENOENT,
				  "%s hugepages are reserved but no hugetlbfs is mounted for them: mount -t hugetlbfs -o pagesize=%uM nodev /dev/hugepages",
				  size_name(s[i].kb, nm, sizeof(nm)), s[i].kb >> 10);
	}
	for (unsigned i = 0; i < n; i++)
		free_mb += (uint64_t)s[i].free * s[i].kb / 1024;
	if (free_mb == 0 || free_mb < want_mb)
		return errbuf_set(why, -ENOMEM,
				  "not enough free hugepages: %llu MiB free, [dpdk] eal_args ask for %u MiB: raise nr_hugepages (/sys/kernel/mm/hugepages/*/nr_hugepages) or lower -m/--socket-mem",
				  (unsigned long long)free_mb, want_mb);
	return 0;
}

bool dpdk_is_pci(const char *spec, char *out, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	int n = 0;
	if (sscanf(spec, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) == 4 && spec[n] == '\0' && n == 12)
		;
	else if (dom = 0, n = 0, sscanf(spec, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) == 3 && spec[n] == '\0' && n == 7)
		;
	else
		return false;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

bool dpdk_is_dpdk_driver(const char *drv)
{
	return !strcmp(drv, "vfio-pci") || !strcmp(drv, "uio_pci_generic") || !strcmp(drv, "igb_uio");
}

/* First entry of root/dir, or "". */
static void first_entry(const char *dir, char *name, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	name[0] = '\0';
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(name, len, "%s", de->d_name);
			break;
		}
	if (d)
		closedir(d);
}

void dpdk_pci_netdev(const struct dpdk_env *env, const char *addr, char *ifname, size_t len)
{
	char dir[512], virtio[64] = "";
	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s/net", env->root, addr);
	first_entry(dir, ifname, len);
	if (ifname[0])
		return;
	/* virtio-pci: the netdev hangs off the virtio device (…/virtio0/net/eth0) */
	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s", env->root, addr);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && !virtio[0] && (de = readdir(d)))
		if (!strncmp(de->d_name, "virtio", 6) && isdigit((unsigned char)de->d_name[6]))
			snprintf(virtio, sizeof(virtio), "%s", de->d_name);
	if (d)
		closedir(d);
	if (!virtio[0])
		return;
	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s/%s/net", env->root, addr, virtio);
	first_entry(dir, ifname, len);
}

void dpdk_pci_driver(const struct dpdk_env *env, const char *addr, char *drv, size_t len)
{
	char path[512], link[512];
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", env->root, addr);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(drv, len, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
}

bool dpdk_vfio_usable(const struct dpdk_env *env)
{
	char dir[512], v[16] = "";
	bool groups = false;
	if (!exists(env, "/dev/vfio/vfio"))
		return false;
	snprintf(dir, sizeof(dir), "%s/sys/kernel/iommu_groups", env->root);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		groups |= de->d_name[0] != '.';
	if (d)
		closedir(d);
	read_line(env, v, sizeof(v), "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	return groups || v[0] == 'Y' || v[0] == '1';
}

/* The device's kernel driver still owns it: say how to unbind it. */
static int diag_kernel_bound(const struct dpdk_env *env, const char *addr, const char *drv, struct errbuf *why)
{
	char ifname[64], flags[32] = "";
	dpdk_pci_netdev(env, addr, ifname, sizeof(ifname));
	if (ifname[0] && read_line(env, flags, sizeof(flags), "/sys/class/net/%s/flags", ifname) == 0 &&
	    (strtoul(flags, NULL, 16) & 1))
		return errbuf_set(why, -EBUSY,
				  "%s is bound to kernel driver %s as %s, which is up; dpdk-devbind.py refuses an active interface: ip link set %s down first, then dpdk-devbind.py --bind=vfio-pci %s",
				  addr, drv, ifname, ifname, addr);
	return errbuf_set(why, -EBUSY, "%s is bound to kernel driver %s%s%s: dpdk-devbind.py --bind=vfio-pci %s", addr, drv,
			  ifname[0] ? " as " : "", ifname, addr);
}

bool dpdk_pci_exists(const struct dpdk_env *env, const char *addr)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", addr);
	return exists(env, rel);
}

int dpdk_diag_pci(const struct dpdk_env *env, const char *addr, struct errbuf *why)
{
	char rel[256], drv[64], vendor[16] = "", pmds[512];
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", addr);
	if (!exists(env, rel))
		return errbuf_set(why, -ENODEV, "no PCI device %s on this host (lspci -D lists the addresses)", addr);
	dpdk_pci_driver(env, addr, drv, sizeof(drv));
	if (!drv[0])
		return errbuf_set(why, -ENODEV, "%s is not bound to any driver: dpdk-devbind.py --bind=vfio-pci %s", addr, addr);
	if (!dpdk_is_dpdk_driver(drv))
		return diag_kernel_bound(env, addr, drv, why);
	if (!strcmp(drv, "vfio-pci") && !dpdk_vfio_usable(env))
		return errbuf_set(why, -ENXIO,
				  "%s: vfio is unavailable (no /dev/vfio/vfio or no IOMMU groups): boot with intel_iommu=on or amd_iommu=on, or without an IOMMU (most EC2 instances): modprobe vfio-pci; echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode; then bind again",
				  addr);
	read_line(env, vendor, sizeof(vendor), "%s/vendor", rel);
	dpdk_list_pmds(env, false, pmds, sizeof(pmds));
	if (!strcmp(vendor, "0x1d0f") && !have_pmd(env, "net_ena"))
		return errbuf_set(why, -ENOENT,
				  "DPDK found no port for %s (Amazon ENA): the ENA PMD is not installed: apt-get install librte-net-ena23 (net PMDs in %s: %.200s)",
				  addr, env->pmd_dir, pmds);
	return errbuf_set(why, -ENODEV,
			  "DPDK found no port for %s (driver %s, vendor %s): check that a PMD supports the device and that [dpdk] eal_args do not exclude it (-b, -a); net PMDs in %s: %.200s",
			  addr, drv, vendor[0] ? vendor : "?", env->pmd_dir, pmds);
}

int dpdk_diag_vdev(const struct dpdk_env *env, const char *spec, int r, struct errbuf *why)
{
	char drv[64], pmds[512];
	size_t n = strcspn(spec, ",");
	snprintf(drv, sizeof(drv), "%.*s", (int)n, spec);
	for (n = strlen(drv); n && isdigit((unsigned char)drv[n - 1]);)
		drv[--n] = '\0';
	if (!have_pmd(env, drv)) {
		dpdk_list_pmds(env, true, pmds, sizeof(pmds));
		return errbuf_set(why, -ENOENT, "unknown vdev driver \"%s\" in dpdk_port %s; vdev PMDs installed: %s", drv, spec, pmds);
	}
	const char *ifa = strstr(spec, "iface=");
	char rel[128];
	if (ifa) {
		snprintf(rel, sizeof(rel), "/sys/class/net/%.*s", (int)strcspn(ifa + 6, ","), ifa + 6);
		if (!exists(env, rel))
			return errbuf_set(why, -ENODEV, "cannot create vdev %s: there is no interface %s in scand's network namespace (ip link lists them)",
					  spec, rel + 15);
	}
	return errbuf_set(why, r < 0 ? r : -ENODEV,
			  "cannot create vdev %s: %s; check its arguments (e.g. iface= must name an interface in scand's network namespace)",
			  spec, strerror(r < 0 ? -r : ENODEV));
}

int dpdk_port_numa_node(const struct dpdk_env *env, const char *spec)
{
	char addr[32], v[16] = "", ifname[64];
	const char *p;
	int r = -1;
	if (dpdk_is_pci(spec, addr, sizeof(addr)))
		r = read_line(env, v, sizeof(v), "/sys/bus/pci/devices/%s/numa_node", addr);
	else if ((p = strstr(spec, "iface=")) != NULL) {
		snprintf(ifname, sizeof(ifname), "%.*s", (int)strcspn(p + 6, ","), p + 6);
		r = read_line(env, v, sizeof(v), "/sys/class/net/%s/device/numa_node", ifname);
	}
	return r == 0 && atoi(v) > 0 ? atoi(v) : 0;
}
