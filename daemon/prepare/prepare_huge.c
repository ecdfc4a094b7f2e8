/* --prepare for [dpdk] hugepages: reserve each count through sysfs (per NUMA
 * node when asked), mount a hugetlbfs per page size in use (reusing one that
 * is mounted), name any shortfall; --undo releases what scand reserved. */
#include "prepare.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *where(int node, char *buf, size_t len)
{
	if (node < 0)
		snprintf(buf, len, "host");
	else
		snprintf(buf, len, "node %d", node);
	return buf;
}

static struct prep_hp *hp_find(struct prep *p, unsigned kb, int node)
{
	for (unsigned i = 0; i < p->st.nhp; i++)
		if (p->st.hp[i].kb == kb && p->st.hp[i].node == node)
			return &p->st.hp[i];
	return NULL;
}

static struct prep_hp *hp_record(struct prep *p, unsigned kb, int node, unsigned before)
{
	struct prep_hp *h = hp_find(p, kb, node);
	if (h)
		return h;
	if (p->st.nhp == HP_MAX_REQ)
		return NULL;
	p->st.hp[p->st.nhp] = (struct prep_hp){ kb, node, before, before };
	return &p->st.hp[p->st.nhp++];
}

/* The kernel gave fewer pages than asked: say why and how to get them. */
static int shortfall(struct prep *p, struct prep_nic *rep, const struct hp_req *q, unsigned got)
{
	char sz[16], w[32];
	hugepages_size_name(q->kb, sz, sizeof(sz));
	where(q->node, w, sizeof(w));
	if (q->kb >= 1u << 20)
		return prep_fail(p, rep, -ENOMEM,
				 "%s pages on %s: asked for %u, the kernel reserved %u: 1 GiB pages must be reserved at boot; add \"hugepagesz=1G hugepages=%u\" to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)",
				 sz, w, q->count, got, q->count);
	return prep_fail(p, rep, -ENOMEM,
			 "%s pages on %s: asked for %u, the kernel reserved %u (memory is fragmented or short): free memory and retry (echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory), or reserve at boot with \"hugepages=%u\" on the kernel command line",
			 sz, w, q->count, got, q->count);
}

static int reserve_one(struct prep *p, struct prep_nic *rep, const struct hp_req *q)
{
	char rel[256], sz[16], w[32];
	unsigned cur, got;
	int r;
	hugepages_size_name(q->kb, sz, sizeof(sz));
	where(q->node, w, sizeof(w));
	hugepages_nr_path(q->kb, q->node, rel, sizeof(rel));
	if ((r = prep_read_uint(p, rel, &cur)) < 0) {
		if (q->node >= 0 && !prep_exists(p, "/sys/devices/system/node/node0"))
			return prep_fail(p, rep, r, "%s pages@%d: this host shows no NUMA nodes; drop @%d", sz, q->node, q->node);
		return prep_fail(p, rep, r, "%s pages on %s: %s is missing: %s", sz, w, rel,
				 q->node >= 0 ? "no such NUMA node (ls /sys/devices/system/node)"
					      : "this CPU or kernel offers no such page size (ls /sys/kernel/mm/hugepages)");
	}
	if (cur >= q->count) {
		const struct prep_hp *h = hp_find(p, q->kb, q->node);
		if (h && h->after > h->before)
			prep_found(p, rep, "hugepages %s on %s: %u reserved (%u wanted; scand --prepare raised it from %u)", sz,
				   w, cur, q->count, h->before);
		else
			prep_found(p, rep, "hugepages %s on %s: %u reserved (%u wanted)", sz, w, cur, q->count);
		return 0;
	}
	struct prep_hp *h = p->dry_run ? NULL : hp_record(p, q->kb, q->node, cur);
	if (!p->dry_run && !h)
		return prep_fail(p, rep, -ENOSPC, "the record %s holds %d hugepage counts already: run scand --prepare --undo first",
				 p->state_path, HP_MAX_REQ);
	if (h) { /* the intent: --undo gives back at most what was asked */
		h->after = q->count;
		h->done = false;
		if ((r = prep_journal(p, rep)) < 0)
			return r;
	}
	if ((r = prep_write(p, rep, rel, q->count)) < 0 || p->dry_run)
		return r;
	if ((r = prep_read_uint(p, rel, &got)) < 0)
		return prep_fail(p, rep, r, "cannot read back %s: %s", rel, strerror(-r));
	h->after = got;
	h->done = true;
	if ((r = prep_journal(p, rep)) < 0)
		return r;
	return got < q->count ? shortfall(p, rep, q, got) : 0;
}

/* Where to mount a hugetlbfs for kb pages: /dev/hugepages for the default
 * size when nothing is mounted there, else /dev/hugepages-2M, -1G. */
static void mount_dir(const struct prep *p, unsigned kb, const struct dpdk_hugetlbfs *m, unsigned nm, char *dir,
		      size_t len)
{
	char sz[16];
	bool busy = false;
	for (unsigned i = 0; i < nm; i++)
		busy |= !strcmp(m[i].dir, "/dev/hugepages");
	if (kb == dpdk_default_hugepage_kb(&p->env) && !busy)
		snprintf(dir, len, "/dev/hugepages");
	else
		snprintf(dir, len, "/dev/hugepages-%s", hugepages_size_name(kb, sz, sizeof(sz)));
}

static int mount_one(struct prep *p, struct prep_nic *rep, unsigned kb)
{
	struct dpdk_hugetlbfs m[16];
	unsigned nm = dpdk_hugetlbfs_mounts(&p->env, m, ARRAY_SIZE(m));
	char dir[256], full[512], sz[16], opt[32];
	bool made = false;
	int r;
	hugepages_size_name(kb, sz, sizeof(sz));
	for (unsigned i = 0; i < nm; i++)
		if (m[i].kb == kb) {
			bool ours = false;
			for (unsigned j = 0; j < p->st.nmounts; j++)
				ours |= !strcmp(p->st.mounts[j].dir, m[i].dir);
			prep_found(p, rep, "hugetlbfs for %s pages: %s%s", sz, m[i].dir, ours ? " (mounted by scand --prepare)" : "");
			return 0;
		}
	mount_dir(p, kb, m, nm, dir, sizeof(dir));
	snprintf(full, sizeof(full), "%s%s", p->env.root, dir);
	snprintf(opt, sizeof(opt), "pagesize=%s", sz);
	struct prep_mount *rec = NULL;
	if (!p->dry_run) { /* the intent first: the directory, then the mount */
		if (p->st.nmounts == PREP_MAX_MOUNTS)
			return prep_fail(p, rep, -ENOSPC, "the record %s holds %d mounts already: run scand --prepare --undo first",
					 p->state_path, PREP_MAX_MOUNTS);
		made = access(full, F_OK) != 0;
		rec = &p->st.mounts[p->st.nmounts++];
		*rec = (struct prep_mount){ .kb = kb, .made_dir = made };
		snprintf(rec->dir, sizeof(rec->dir), "%s", dir);
		if ((r = prep_journal(p, rep)) == 0 && made && mkdir(full, 0755) < 0)
			r = prep_fail(p, rep, -errno, "mkdir %s: %s", full, strerror(errno));
		if (r < 0) {
			p->st.nmounts--;
			return r;
		}
	}
	if ((r = prep_run(p, rep, (const char *const[]){ "mount", "-t", "hugetlbfs", "-o", opt, "nodev", full, NULL })) < 0) {
		if (made)
			rmdir(full);
		if (rec)
			p->st.nmounts--; /* nothing mounted, the directory gone: nothing to undo */
		return r;
	}
	if (!rec)
		return 0;
	rec->done = true;
	return prep_journal(p, rep);
}

int prep_hugepages(struct prep *p, struct prep_nic *rep)
{
	struct hp_spec spec;
	struct errbuf e;
	unsigned kb[HP_MAX_REQ], nkb;
	int r, first = 0;
	if (!p->cfg->hugepages[0])
		return 0;
	if ((r = hugepages_parse(p->cfg->hugepages, &spec, &e)) < 0)
		return prep_fail(p, rep, r, "[dpdk] hugepages: %s", e.msg);
	for (unsigned i = 0; i < spec.n; i++)
		if ((r = reserve_one(p, rep, &spec.r[i])) < 0 && !first)
			first = r;
	nkb = hugepages_sizes(&spec, kb, HP_MAX_REQ);
	for (unsigned i = 0; i < nkb; i++)
		if ((r = mount_one(p, rep, kb[i])) < 0 && !first)
			first = r;
	return first;
}

static bool mounted(const struct prep *p, const char *dir)
{
	struct dpdk_hugetlbfs m[16];
	unsigned nm = dpdk_hugetlbfs_mounts(&p->env, m, ARRAY_SIZE(m));
	for (unsigned i = 0; i < nm; i++)
		if (!strcmp(m[i].dir, dir))
			return true;
	return false;
}

static int unmount_all(struct prep *p, struct prep_nic *rep)
{
	char full[512];
	int first = 0, r;
	for (unsigned i = p->st.nmounts; i-- > 0;) {
		struct prep_mount *m = &p->st.mounts[i];
		snprintf(full, sizeof(full), "%s%s", p->env.root, m->dir);
		if (mounted(p, m->dir) && (r = prep_run(p, rep, (const char *const[]){ "umount", full, NULL })) < 0) {
			first = first ? first : r;
			continue;
		}
		if (m->made_dir && !p->dry_run)
			rmdir(full);
		if (!p->dry_run)
			p->st.mounts[i] = p->st.mounts[--p->st.nmounts];
		prep_journal(p, rep);
	}
	return first;
}

/* Gives back what scand added (after - before), never pages others took since. */
int prep_hugepages_undo(struct prep *p)
{
	struct prep_nic none = { .name = PREP_HUGEPAGES }, *rep = prep_state_nic(p, PREP_HUGEPAGES);
	char rel[256];
	if (!rep)
		rep = &none;
	int first = unmount_all(p, rep), r;
	for (unsigned i = p->st.nhp; i-- > 0;) {
		struct prep_hp *h = &p->st.hp[i];
		unsigned cur, added = h->after > h->before ? h->after - h->before : 0;
		hugepages_nr_path(h->kb, h->node, rel, sizeof(rel));
		if (prep_read_uint(p, rel, &cur) == 0 && added && cur > h->before) {
			unsigned want = cur > added ? cur - added : 0;
			if ((r = prep_write(p, rep, rel, want < h->before ? h->before : want)) < 0) {
				first = first ? first : r;
				continue;
			}
		}
		if (!p->dry_run)
			p->st.hp[i] = p->st.hp[--p->st.nhp];
		prep_journal(p, rep);
	}
	return first;
}
