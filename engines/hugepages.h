/* [dpdk] hugepages = SIZE:COUNT[@NODE],... : the spec, where the kernel keeps
 * each count in sysfs, and the hugetlbfs directory given to EAL (--huge-dir).
 * Shared by --check-config, scand --prepare and the dpdk engine. */
#pragma once
#include "common.h"
#include "dpdk_diag.h"
#include "dpdk_setup.h"

#define HP_MAX_REQ 16
#define HP_MAX_NODE 63

struct hp_req {
	unsigned kb;	/* page size */
	unsigned count; /* pages wanted */
	int node;	/* NUMA node, or -1: the kernel spreads them */
};

struct hp_spec {
	unsigned n;
	struct hp_req r[HP_MAX_REQ];
};

/* "2M:1024, 1G:8@0" -> spec. Sizes 2M or 1G (also written 2048kB, 1024M);
 * a size is either global or per node, never both; no (size, node) twice.
 * 0, or -EINVAL with why naming the bad entry and the expected form. */
int hugepages_parse(const char *s, struct hp_spec *spec, struct errbuf *why);
/* "2M" / "1G" for a page size in kB. */
const char *hugepages_size_name(unsigned kb, char *buf, size_t len);
/* sysfs file (relative to the root) holding the count for (kb, node). */
void hugepages_nr_path(unsigned kb, int node, char *buf, size_t len);
/* Page sizes the spec uses, distinct, in spec order; returns how many. */
unsigned hugepages_sizes(const struct hp_spec *spec, unsigned *kb, unsigned max);
/* For EAL: when [dpdk] hugepages uses exactly one page size and eal_args
 * name neither --no-huge nor --huge-dir, appends "--huge-dir DIR" (the
 * hugetlbfs mounted for that size). Returns 1 when added, 0 when not needed
 * (note says why), -ENOENT when no hugetlbfs is mounted for that size. */
int hugepages_eal_args(const struct dpdk_env *env, const char *spec, struct eal_argv *a, char *note,
		       size_t len);
/* hugepages_eal_args for the dpdk engine's global_init, with its note logged. */
void hugepages_eal_log(const struct dpdk_env *env, const char *spec, struct eal_argv *a);
