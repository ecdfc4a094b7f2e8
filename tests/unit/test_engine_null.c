/* The null engine counts what it is given per queue and receives nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine.h"
#include "registry.h"

#include <string.h>

static void test_counts(void **st)
{
	struct engine e = { .ops = &engine_null_ops };
	struct engine_conf conf = { .name = "n0", .queues = 3 };
	uint8_t *bufs[ENGINE_MAX_BURST];
	const uint16_t lens[4] = { 74, 74, 60, 74 };
	struct engine_qstats qs;
	struct pkt rx[8];
	(void)st;
	assert_int_equal(engine_lookup(ENGINE_NULL)->open(&e, &conf, NULL), 0);
	assert_int_equal(e.nqueues, 3);
	assert_string_equal(e.mode, "null");
	/* frames lent in place; the first k submitted, the rest taken back */
	assert_int_equal(e.ops->tx_frames(&e, 1, bufs, 6), 6);
	for (int i = 0; i < 6; i++)
		memset(bufs[i], 0xab, ENGINE_FRAME_MIN); /* each lent frame holds a probe */
	assert_int_equal(e.ops->tx_submit(&e, 1, lens, 4), 4);
	assert_int_equal(e.ops->tx_frames(&e, 2, bufs, 2), 2);
	assert_int_equal(e.ops->tx_submit(&e, 2, lens, 2), 2);
	assert_int_equal(e.ops->tx_frames(&e, 2, bufs, 1000), ENGINE_MAX_BURST);
	assert_int_equal(e.ops->tx_submit(&e, 2, lens, 0), 0);
	assert_int_equal(e.ops->rx_burst(&e, 1, rx, 8), 0);
	e.ops->stats(&e, 1, &qs);
	assert_int_equal(qs.tx_packets, 4);
	assert_int_equal(qs.tx_bytes, 74 * 3 + 60);
	assert_int_equal(qs.rx_ring_empty, 1);
	e.ops->stats(&e, 0, &qs);
	assert_int_equal(qs.tx_packets, 0);
	e.ops->stats(&e, 2, &qs);
	assert_int_equal(qs.tx_packets, 2);
	e.ops->close(&e);
	assert_null(e.priv);
}

static void test_default_one_queue(void **st)
{
	struct engine e = { .ops = &engine_null_ops };
	struct engine_conf conf = { .name = "n1" };
	(void)st;
	assert_int_equal(e.ops->open(&e, &conf, NULL), 0);
	assert_int_equal(e.nqueues, 1);
	assert_string_equal(e.ifname, "n1");
	e.ops->close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_default_one_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
