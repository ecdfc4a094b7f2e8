/* Worker placement: how many queue workers each NIC gets and which core
 * each one is pinned to, from the cores, their NUMA nodes and the NICs'
 * nodes. Automatic plans never run more workers than cores (the seed's
 * 15-NIC run regressed with 240 busy threads on 128 cores). */
#pragma once
#include <stdbool.h>

#define PLAN_MAX_QUEUES 64

struct plan_nic {
	int node;	     /* the NIC's NUMA node (-1 or unknown: 0) */
	unsigned configured; /* [nic] queues; 0 = automatic */
	unsigned hw_queues;  /* queues the NIC has (cap for automatic plans) */
};

struct plan_out {
	unsigned queues;		/* workers for this NIC */
	int core[PLAN_MAX_QUEUES];	/* core of each worker */
	bool oversubscribed;		/* shares a core with another worker */
};

/* core_node[i] is the NUMA node of core i. Every NIC gets at least one
 * worker, on cores of its own node when that node has any. Returns the total
 * number of workers. */
unsigned threadplan(const int *core_node, unsigned ncores, const struct plan_nic *nics,
		    unsigned nnics, struct plan_out *out);
