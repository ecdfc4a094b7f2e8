/* DPDK setup arithmetic that needs no EAL: the EAL argv built from [dpdk]
 * eal_args, descriptor counts clamped to a device's limits, and a vdev's
 * parameters (does it receive on every RX queue of its interface?). */
#pragma once
#include "argv.h"

#define EAL_MAX_ARGS ARGV_MAX_WORDS

struct eal_argv {
	int argc;
	char *argv[EAL_MAX_ARGS + 2]; /* argv[0] = "scand", NULL-terminated */
	char buf[1024 + EAL_MAX_ARGS]; /* token storage */
	char note[160];		       /* what was rewritten, or "" */
	size_t len;		       /* bytes of buf in use */
};

/* Splits eal_args with argv_split() (common/argv.h) behind argv[0] = "scand".
 * "--in-memory" together with "--no-huge" (refused by DPDK 22.11)
 * becomes "--no-shconf", which is what --in-memory means without hugepages.
 * 0, or -EINVAL with why naming the problem. */
int eal_argv_build(const char *eal_args, struct eal_argv *a, struct errbuf *why);
/* Appends one word (e.g. --huge-dir and its value); -E2BIG when full. */
int eal_argv_append(struct eal_argv *a, const char *word);
/* True when argv has OPT as a word or as OPT=value. */
bool eal_argv_has(const struct eal_argv *a, const char *opt);
/* Megabytes of memory eal_args ask for (-m N or the sum of --socket-mem), 0 if none. */
unsigned eal_argv_mem_mb(const struct eal_argv *a);

struct desc_lim {
	uint16_t nb_max, nb_min, nb_align;
};
/* want, clamped into [nb_min, nb_max] and rounded to nb_align without
 * exceeding nb_max (like rte_eth_dev_adjust_nb_rx_tx_desc). */
uint16_t desc_clamp(uint16_t want, const struct desc_lim *lim);

/* The value of key=... in a vdev spec ("net_af_xdp0,iface=sc0,queue_count=2");
 * false (val "") when absent. */
bool vdev_param(const char *spec, const char *key, char *val, size_t len);
/* A net_af_xdp vdev receives only on its queues [start_queue, start_queue +
 * MIN(queue_count, queues)): every one of the interface's hw_rx RX queues
 * must be among them, or a reply steered elsewhere is lost. 0 for other
 * devices (PCI ports poll every queue scand configures, with RSS over
 * them; net_af_packet uses a fanout group); -EINVAL with the fix. */
int dpdk_rx_cover(const char *spec, unsigned queues, unsigned hw_rx, struct errbuf *why);
