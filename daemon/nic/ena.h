/* ENA allowance counters of one NIC, read each tick either from the driver
 * (SIOCETHTOOL: GDRVINFO for n_stats, GSTRINGS, GSTATS; looked up by name,
 * re-resolved when the string count changes) or from a simulation file of
 * "name value" lines ([nic] ena_counters_file). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum ena_counter {
	ENA_BW_IN_EXCEEDED,
	ENA_BW_OUT_EXCEEDED,
	ENA_PPS_EXCEEDED,
	ENA_CONNTRACK_EXCEEDED,
	ENA_LINKLOCAL_EXCEEDED,
	ENA_CONNTRACK_AVAILABLE,
	ENA_NCOUNTERS
};

struct ena {
	char ifname[16];
	const char *file;	 /* simulation source, or NULL for the driver */
	/* a source by name instead of SIOCETHTOOL (DPDK xstats), or NULL */
	int (*named)(void *ctx, const char *const *names, unsigned n, uint64_t *vals, bool *found);
	void *named_ctx;
	uint32_t n_stats;	 /* string count the indices were resolved for */
	int index[ENA_NCOUNTERS]; /* position in GSTATS, -1 when absent */
	bool present;		 /* at least one counter exists */
	uint64_t value[ENA_NCOUNTERS], delta[ENA_NCOUNTERS];
	bool have_prev;
};

extern const char *const ena_counter_names[ENA_NCOUNTERS];

void ena_init(struct ena *e, const char *ifname, const char *file);
/* Reads the counters; updates value[] and the per-tick delta[] (0 on the
 * first read and for counters that went backwards). -errno on failure;
 * a NIC without these counters is not a failure (present = false). */
int ena_read(struct ena *e);
