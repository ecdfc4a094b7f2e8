/* AIMD controller driven by synthetic counter sequences: network pressure
 * cuts, CPU saturation does not, recovery increases, bounds hold, a steady
 * signal does not oscillate, reply collapse counts as network pressure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratectl.h"

#include <string.h>

static const char *why;

static struct ratectl_sample calm(double sent)
{
	return (struct ratectl_sample){ .sent_pps = sent, .reply_pps = sent * 0.9, .cpu_busy = 0.3 };
}

static void test_network_pressure_cuts(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 100000, 5000, 0.7);
	struct ratectl_sample s = calm(100000);
	s.allowance_exceeded = 12;
	assert_true(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.rate, 70000);
	assert_int_equal(rc.pressure, PRESSURE_NETWORK);
	assert_int_equal(rc.cuts, 1);
	s.sent_pps = 70000;
	assert_true(ratectl_step(&rc, &s, &why)); /* still rising: cut again */
	assert_int_equal(rc.rate, 49000);
	assert_int_equal(rc.cuts, 2);
}

static void test_cpu_pressure_does_not_cut(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 1000000, 5000, 0.7);
	for (int i = 0; i < 20; i++) {
		struct ratectl_sample s = { .sent_pps = 400000, .reply_pps = 360000, .cpu_busy = 0.99 };
		assert_false(ratectl_step(&rc, &s, &why));
		assert_int_equal(rc.rate, 1000000);
		assert_int_equal(rc.pressure, PRESSURE_CPU);
	}
	/* ring-full events with idle-looking workers are CPU pressure too */
	struct ratectl_sample s = { .sent_pps = 400000, .reply_pps = 360000, .cpu_busy = 0.2, .tx_ring_full = 50 };
	assert_false(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.pressure, PRESSURE_CPU);
	assert_int_equal(rc.cuts, 0);
}

/* Workers waiting for the results path: the send rate and the reply ratio
 * both move, which would look like a collapse; it is CPU pressure, no cut,
 * and the usual reply ratio is not learnt from it. */
static void test_results_backlog_is_cpu(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 100000, 5000, 0.7);
	for (int i = 0; i < 5; i++) {
		struct ratectl_sample s = calm(100000);
		assert_false(ratectl_step(&rc, &s, &why));
	}
	double learnt = rc.reply_ratio;
	struct ratectl_sample s = { .sent_pps = 95000, .reply_pps = 1000, .results_backlog = true };
	assert_false(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.pressure, PRESSURE_CPU);
	assert_non_null(strstr(why, "results path"));
	assert_int_equal(rc.cuts, 0);
	assert_int_equal(rc.rate, 100000);
	assert_true(rc.reply_ratio == learnt);
	/* the same tick without the backlog is a collapse: the test above is not vacuous */
	s.results_backlog = false;
	assert_true(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.pressure, PRESSURE_NETWORK);
}

static void test_recovery_and_bounds(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 20000, 3000, 0.5);
	struct ratectl_sample s = calm(20000);
	s.allowance_exceeded = 1;
	for (int i = 0; i < 40; i++) /* cut to the floor, never below 1 */
		ratectl_step(&rc, &s, &why);
	assert_int_equal(rc.rate, 1);
	s = calm(1);
	int ticks = 0;
	while (rc.rate < 20000 && ticks < 100) {
		uint64_t before = rc.rate;
		assert_true(ratectl_step(&rc, &s, &why));
		assert_true(rc.rate > before && rc.rate - before <= 3000);
		ticks++;
	}
	assert_int_equal(rc.rate, 20000); /* reaches the ceiling exactly */
	assert_int_equal(ticks, 7);
	assert_false(ratectl_step(&rc, &s, &why)); /* and stays there */
	assert_int_equal(rc.rate, 20000);
	ratectl_set_ceiling(&rc, 5000); /* rate.set */
	assert_int_equal(rc.rate, 5000);
	assert_false(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.rate, 5000);
}

static void test_steady_signal_no_oscillation(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 50000, 1000, 0.7);
	for (int i = 0; i < 200; i++) {
		struct ratectl_sample s = calm(50000);
		s.reply_pps = 50000 * (0.5 + 0.02 * (i % 3)); /* noisy but steady replies */
		assert_false(ratectl_step(&rc, &s, &why));
		assert_int_equal(rc.rate, 50000);
		assert_int_equal(rc.pressure, PRESSURE_NONE);
	}
	assert_int_equal(rc.cuts, 0);
}

static void test_reply_collapse(void **st)
{
	struct ratectl rc;
	(void)st;
	ratectl_init(&rc, 50000, 1000, 0.7);
	for (int i = 0; i < 5; i++) {
		struct ratectl_sample s = calm(50000);
		assert_false(ratectl_step(&rc, &s, &why));
	}
	struct ratectl_sample s = { .sent_pps = 50000, .reply_pps = 2000, .cpu_busy = 0.3 };
	assert_true(ratectl_step(&rc, &s, &why));
	assert_int_equal(rc.rate, 35000);
	assert_int_equal(rc.pressure, PRESSURE_NETWORK);
	/* replies low because we slowed down is not a collapse: the send rate did not hold */
	struct ratectl rc2;
	ratectl_init(&rc2, 50000, 1000, 0.7);
	for (int i = 0; i < 5; i++) {
		struct ratectl_sample c = calm(50000);
		ratectl_step(&rc2, &c, &why);
	}
	struct ratectl_sample slow = { .sent_pps = 10000, .reply_pps = 200, .cpu_busy = 0.3 };
	ratectl_step(&rc2, &slow, &why);
	assert_int_equal(rc2.cuts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_pressure_cuts),
		cmocka_unit_test(test_cpu_pressure_does_not_cut),
		cmocka_unit_test(test_results_backlog_is_cpu),
		cmocka_unit_test(test_recovery_and_bounds),
		cmocka_unit_test(test_steady_signal_no_oscillation),
		cmocka_unit_test(test_reply_collapse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
