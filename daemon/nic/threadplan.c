/* Worker placement (see threadplan.h). Per NUMA node: the node's cores are
 * split evenly among the node's NICs; automatic NICs take their share
 * (capped by their hardware queues), configured ones what they ask for. */
#include "threadplan.h"

#include <string.h>

/* The cores of node `node` in cores[]; all cores when the node has none. */
static unsigned node_cores(const int *core_node, unsigned ncores, int node, int *cores)
{
	unsigned n = 0;
	for (unsigned c = 0; c < ncores; c++)
		if (core_node[c] == node)
			cores[n++] = (int)c;
	if (n)
		return n;
	for (unsigned c = 0; c < ncores; c++)
		cores[n++] = (int)c;
	return n;
}

static unsigned want_queues(const struct plan_nic *nic, unsigned share)
{
	unsigned q = nic->configured;
	if (!q) {
		q = share ? share : 1;
		if (nic->hw_queues && q > nic->hw_queues)
			q = nic->hw_queues;
	}
	return q > PLAN_MAX_QUEUES ? PLAN_MAX_QUEUES : q;
}

unsigned threadplan(const int *core_node, unsigned ncores, const struct plan_nic *nics,
		    unsigned nnics, struct plan_out *out)
{
	int cores[4096];
	unsigned total = 0;

	if (ncores > 4096)
		ncores = 4096;
	memset(out, 0, nnics * sizeof(*out));
	for (unsigned i = 0; i < nnics; i++) {
		int node = nics[i].node < 0 ? 0 : nics[i].node;
		unsigned nc = node_cores(core_node, ncores, node, cores);
		unsigned on_node = 0, rank = 0, next = 0;
		for (unsigned k = 0; k < nnics; k++) {
			int kn = nics[k].node < 0 ? 0 : nics[k].node;
			if (kn != node)
				continue;
			if (k < i) { /* cores already handed to earlier NICs on this node */
				next += out[k].queues;
				rank++;
			}
			on_node++;
		}
		unsigned share = nc / on_node + (rank < nc % on_node);
		out[i].queues = want_queues(&nics[i], share);
		for (unsigned q = 0; q < out[i].queues; q++) {
			out[i].core[q] = cores[(next + q) % nc];
			if (next + q >= nc)
				out[i].oversubscribed = true;
		}
		total += out[i].queues;
	}
	return total;
}
