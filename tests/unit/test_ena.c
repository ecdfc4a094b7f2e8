/* ENA counters: the simulation file source (by name, deltas per read,
 * counters going backwards), and a NIC without ENA counters (loopback). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file_source(void **st)
{
	char path[] = "/tmp/scand-ena-XXXXXX";
	struct ena e;
	(void)st;
	int fd = mkstemp(path);
	close(fd);
	write_file(path, "pps_allowance_exceeded 10\nbw_out_allowance_exceeded 3\nconntrack_allowance_available 5000\nrx_packets 99\n");
	ena_init(&e, "sc0", path);
	assert_int_equal(ena_read(&e), 0);
	assert_true(e.present);
	assert_int_equal(e.value[ENA_PPS_EXCEEDED], 10);
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 0); /* first read: no delta */
	assert_int_equal(e.index[ENA_BW_IN_EXCEEDED], -1); /* absent -> null in telemetry */
	write_file(path, "conntrack_allowance_available 4000\npps_allowance_exceeded 25\nbw_out_allowance_exceeded 3\n");
	assert_int_equal(ena_read(&e), 0);
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 15);
	assert_int_equal(e.delta[ENA_BW_OUT_EXCEEDED], 0);
	assert_int_equal(e.value[ENA_CONNTRACK_AVAILABLE], 4000);
	write_file(path, "pps_allowance_exceeded 2\n"); /* driver reset: no negative delta */
	assert_int_equal(ena_read(&e), 0);
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 0);
	unlink(path);
	assert_true(ena_read(&e) < 0); /* missing file is an error */
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 0);
}

/* A DPDK port: the ENA PMD's xstats by name, some of them absent. */
static uint64_t xstat_pps = 100;
static int fake_xstats(void *ctx, const char *const *names, unsigned n, uint64_t *vals, bool *found)
{
	assert_ptr_equal(ctx, &xstat_pps);
	for (unsigned i = 0; i < n; i++) {
		found[i] = !strcmp(names[i], "pps_allowance_exceeded") || !strcmp(names[i], "bw_out_allowance_exceeded");
		vals[i] = found[i] ? xstat_pps : 0;
	}
	return 0;
}

static void test_named_source(void **st)
{
	struct ena e;
	(void)st;
	ena_init(&e, "d0", NULL);
	e.named = fake_xstats;
	e.named_ctx = &xstat_pps;
	assert_int_equal(ena_read(&e), 0);
	assert_true(e.present);
	assert_int_equal(e.value[ENA_PPS_EXCEEDED], 100);
	assert_int_equal(e.index[ENA_BW_IN_EXCEEDED], -1);
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 0); /* first read */
	xstat_pps = 130;
	assert_int_equal(ena_read(&e), 0);
	assert_int_equal(e.delta[ENA_PPS_EXCEEDED], 30);
	assert_int_equal(e.delta[ENA_BW_OUT_EXCEEDED], 30);
	assert_int_equal(e.delta[ENA_CONNTRACK_EXCEEDED], 0);
}

static void test_nic_without_ena(void **st)
{
	struct ena e;
	(void)st;
	ena_init(&e, "lo", NULL);
	assert_int_equal(ena_read(&e), 0);
	assert_false(e.present);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_source),
		cmocka_unit_test(test_nic_without_ena),
		cmocka_unit_test(test_named_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
