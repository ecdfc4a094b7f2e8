/* EAL argv builder and descriptor clamping (engines/dpdk_setup.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dpdk_setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Splits s and compares with the expected words (argv[0] is "scand"). */
static void expect_argv(const char *s, const char *const *want, int n)
{
	struct eal_argv a;
	struct errbuf e = { { 0 } };
	if (eal_argv_build(s, &a, &e) < 0)
		fail_msg("\"%s\": %s", s, e.msg);
	assert_int_equal(a.argc, n + 1);
	assert_string_equal(a.argv[0], "scand");
	for (int i = 0; i < n; i++)
		assert_string_equal(a.argv[i + 1], want[i]);
	assert_null(a.argv[a.argc]);
}

static void test_split(void **st)
{
	(void)st;
	expect_argv("", NULL, 0);
	expect_argv("   \t ", NULL, 0);
	/* the seed's splitter joined these: an option and its value are two words */
	expect_argv("--socket-mem 1024", (const char *[]){ "--socket-mem", "1024" }, 2);
	expect_argv("  -l   0-3    -n 4  ", (const char *[]){ "-l", "0-3", "-n", "4" }, 4);
	expect_argv("--socket-mem=1024,1024 --in-memory", (const char *[]){ "--socket-mem=1024,1024", "--in-memory" }, 2);
	expect_argv("--vdev 'net_pcap0,iface=a b'", (const char *[]){ "--vdev", "net_pcap0,iface=a b" }, 2);
	expect_argv("--vdev \"net_tap0,iface=x\\\"y\"", (const char *[]){ "--vdev", "net_tap0,iface=x\"y" }, 2);
	expect_argv("--file-prefix=a\\ b", (const char *[]){ "--file-prefix=a b" }, 1);
	expect_argv("pre'fix'\"ed\"", (const char *[]){ "prefixed" }, 1);
	expect_argv("'' x", (const char *[]){ "", "x" }, 2);
	expect_argv("a\nb", (const char *[]){ "a", "b" }, 2);
}

static void test_split_errors(void **st)
{
	struct eal_argv a;
	struct errbuf e = { { 0 } };
	char many[400] = "";
	(void)st;
	assert_int_equal(eal_argv_build("--vdev 'net_null0", &a, &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: unterminated ' quote at position 8; close it");
	assert_int_equal(eal_argv_build("-m \"256", &a, &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: unterminated \" quote at position 4; close it");
	for (int i = 0; i < 65; i++)
		strcat(many, "-x ");
	assert_int_equal(eal_argv_build(many, &a, &e), -EINVAL);
	assert_string_equal(e.msg, "[dpdk] eal_args: more than 64 words");
	many[strlen(many) - 3] = '\0'; /* exactly 64 */
	assert_int_equal(eal_argv_build(many, &a, &e), 0);
	assert_int_equal(a.argc, 65);
}

static void test_in_memory_no_huge(void **st)
{
	struct eal_argv a;
	struct errbuf e;
	(void)st;
	/* DPDK 22.11 refuses --in-memory with --no-huge; it means --no-shconf there */
	expect_argv("--no-huge --in-memory --no-pci -m 256",
		    (const char *[]){ "--no-huge", "--no-shconf", "--no-pci", "-m", "256" }, 5);
	assert_int_equal(eal_argv_build("--in-memory --no-huge", &a, &e), 0);
	assert_string_equal(a.argv[1], "--no-shconf");
	assert_true(strstr(a.note, "--no-shconf") != NULL);
	assert_int_equal(eal_argv_build("--in-memory", &a, &e), 0);
	assert_string_equal(a.argv[1], "--in-memory");
	assert_string_equal(a.note, "");
	assert_true(eal_argv_has(&a, "--in-memory"));
	assert_false(eal_argv_has(&a, "--in"));
}

static void test_mem(void **st)
{
	struct eal_argv a;
	struct errbuf e;
	(void)st;
	eal_argv_build("--no-huge -m 256", &a, &e);
	assert_int_equal(eal_argv_mem_mb(&a), 256);
	eal_argv_build("--socket-mem 1024,512", &a, &e);
	assert_int_equal(eal_argv_mem_mb(&a), 1536);
	eal_argv_build("--socket-mem=2048", &a, &e);
	assert_int_equal(eal_argv_mem_mb(&a), 2048);
	eal_argv_build("--in-memory", &a, &e);
	assert_int_equal(eal_argv_mem_mb(&a), 0);
}

static void test_desc_clamp(void **st)
{
	/* ENA: at most 512 TX descriptors (the seed asked for 1024 and failed) */
	struct desc_lim ena_tx = { .nb_max = 512, .nb_min = 128, .nb_align = 1 };
	struct desc_lim aligned = { .nb_max = 4096, .nb_min = 64, .nb_align = 32 };
	struct desc_lim odd = { .nb_max = 1000, .nb_min = 0, .nb_align = 64 };
	struct desc_lim none = { 0 };
	(void)st;
	assert_int_equal(desc_clamp(1024, &ena_tx), 512);
	assert_int_equal(desc_clamp(64, &ena_tx), 128);
	assert_int_equal(desc_clamp(300, &ena_tx), 300);
	assert_int_equal(desc_clamp(1000, &aligned), 1024);
	assert_int_equal(desc_clamp(10, &aligned), 64);
	assert_int_equal(desc_clamp(1024, &odd), 960); /* rounding up must not pass nb_max */
	assert_int_equal(desc_clamp(1024, &none), 1024);
	/* never more than the device allows, for every request */
	for (unsigned w = 1; w <= 65535; w += 7) {
		assert_true(desc_clamp((uint16_t)w, &ena_tx) <= 512);
		assert_true(desc_clamp((uint16_t)w, &odd) <= 1000 && desc_clamp((uint16_t)w, &odd) % 64 == 0);
		assert_true(desc_clamp((uint16_t)w, &aligned) % 32 == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),	     cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_in_memory_no_huge), cmocka_unit_test(test_mem),
		cmocka_unit_test(test_desc_clamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
