/* Thread plans for 1, 8 and 15 NICs on 2, 64 and 128 cores with 1 and 2
 * NUMA nodes: automatic plans never exceed the cores, stay on the NIC's
 * node, give every NIC a worker, are balanced and use each core once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "threadplan.h"

#include <string.h>

static void check(unsigned ncores, unsigned nodes, unsigned nnics, unsigned hwq)
{
	int core_node[128] = { 0 };
	struct plan_nic nics[16] = { 0 };
	struct plan_out out[16];
	unsigned used[128] = { 0 }, per_node_min[2] = { 999, 999 }, per_node_max[2] = { 0, 0 };
	for (unsigned c = 0; c < ncores; c++)
		core_node[c] = (int)(c * nodes / ncores); /* contiguous halves */
	for (unsigned i = 0; i < nnics; i++)
		nics[i] = (struct plan_nic){ .node = (int)(i % nodes), .hw_queues = hwq };
	unsigned total = threadplan(core_node, ncores, nics, nnics, out);
	unsigned sum = 0;
	for (unsigned i = 0; i < nnics; i++) {
		assert_true(out[i].queues >= 1);
		assert_true(out[i].queues <= hwq);
		for (unsigned q = 0; q < out[i].queues; q++) {
			int c = out[i].core[q];
			assert_true(c >= 0 && (unsigned)c < ncores);
			assert_int_equal(core_node[c], nics[i].node); /* NUMA-local */
			used[c]++;
		}
		sum += out[i].queues;
		per_node_min[nics[i].node] = out[i].queues < per_node_min[nics[i].node] ? out[i].queues : per_node_min[nics[i].node];
		per_node_max[nics[i].node] = out[i].queues > per_node_max[nics[i].node] ? out[i].queues : per_node_max[nics[i].node];
	}
	assert_int_equal(sum, total);
	if (nnics <= ncores / nodes) {
		assert_true(total <= ncores); /* never more workers than cores */
		for (unsigned c = 0; c < ncores; c++)
			assert_true(used[c] <= 1); /* one worker per core */
	} else {
		assert_int_equal(total, nnics); /* more NICs than cores: one each, shared */
	}
	for (unsigned n = 0; n < nodes; n++)
		if (per_node_max[n])
			assert_true(per_node_max[n] - per_node_min[n] <= 1); /* balanced */
	/* exactly: the r-th NIC of a node with C cores and k NICs gets its
	 * share C/k (+1 for the first C%k), capped by its queues, at least 1 */
	for (unsigned i = 0; i < nnics; i++) {
		unsigned node = i % nodes, k = (nnics + nodes - 1 - node) / nodes, r = i / nodes;
		unsigned c = ncores / nodes, share = c / k + (r < c % k);
		unsigned want = share < 1 ? 1 : share > hwq ? hwq : share;
		if (out[i].queues != want)
			fail_msg("%u cores, %u nodes, %u NICs, hwq %u: NIC %u got %u queues, want %u", ncores,
				 nodes, nnics, hwq, i, out[i].queues, want);
	}
}

static void test_matrix(void **st)
{
	static const unsigned cores[] = { 2, 64, 128 }, nics[] = { 1, 8, 15 };
	(void)st;
	for (size_t c = 0; c < 3; c++)
		for (unsigned nodes = 1; nodes <= 2; nodes++)
			for (size_t n = 0; n < 3; n++)
				for (unsigned hwq = 1; hwq <= 32; hwq *= 8)
					check(cores[c], nodes, nics[n], hwq);
}

static void test_seed_host(void **st)
{
	/* c6in.metal-like: 128 cores, 2 nodes, 15 ENIs with 8 queues: 120 workers, not 240 */
	int core_node[128];
	struct plan_nic nics[15];
	struct plan_out out[15];
	(void)st;
	for (unsigned c = 0; c < 128; c++)
		core_node[c] = c < 64 ? 0 : 1;
	for (unsigned i = 0; i < 15; i++)
		nics[i] = (struct plan_nic){ .node = i < 8 ? 0 : 1, .hw_queues = 8 };
	assert_int_equal(threadplan(core_node, 128, nics, 15, out), 8 * 8 + 7 * 8);
	/* one NIC on 2 cores: 2 workers on a 4-queue NIC */
	nics[0] = (struct plan_nic){ .node = -1, .hw_queues = 4 };
	assert_int_equal(threadplan(core_node, 2, nics, 1, out), 2);
	assert_true(out[0].core[0] == 0 && out[0].core[1] == 1);
	/* a configured count is honoured (and marked when it oversubscribes) */
	nics[0].configured = 4;
	assert_int_equal(threadplan(core_node, 2, nics, 1, out), 4);
	assert_true(out[0].oversubscribed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_seed_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
