/* Config parser: golden messages for every bad file in tests/config/bad,
 * a full good file, the shipped scand.conf, and the small value parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "core.h"
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void enter_config_dir(void)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/tests/config", getenv("SRCDIR") ? getenv("SRCDIR") : ".");
	assert_int_equal(chdir(dir), 0);
}

static void test_bad_files_golden(void **st)
{
	struct dirent *de;
	unsigned n = 0;
	(void)st;
	enter_config_dir();
	DIR *d = opendir("bad");
	assert_non_null(d);
	while ((de = readdir(d))) {
		char conf[300], exp[300], want[2048] = "";
		size_t len = strlen(de->d_name);
		struct config c;
		struct errbuf e;
		if (len < 6 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		snprintf(conf, sizeof(conf), "bad/%s", de->d_name);
		snprintf(exp, sizeof(exp), "bad/%.*s.expected", (int)(len - 5), de->d_name);
		FILE *f = fopen(exp, "r");
		assert_non_null(f);
		size_t got = fread(want, 1, sizeof(want) - 1, f);
		fclose(f);
		while (got && want[got - 1] == '\n')
			want[--got] = '\0';
		if (config_load(&c, conf, &e) == 0)
			fail_msg("%s should be rejected", conf);
		if (strcmp(e.msg, want))
			fail_msg("%s:\n got: %s\nwant: %s", conf, e.msg, want);
		n++;
	}
	closedir(d);
	assert_true(n >= 15);
}

static void test_good_file(void **st)
{
	struct config c;
	struct errbuf e;
	(void)st;
	enter_config_dir();
	if (config_load(&c, "good/full.conf", &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(c.socket, "/tmp/x.sock");
	assert_int_equal(c.max_running_jobs, 2);
	assert_int_equal(c.share_jobs, SHARE_GROUP);
	assert_int_equal(c.max_jobs_per_uid, 0);
	assert_false(c.adaptive);
	assert_true(c.aimd_decrease == 0.5);
	assert_true(c.has_source_ip && c.source_ip.af == AF_INET);
	assert_int_equal(c.source_port_lo, 41000);
	assert_int_equal(c.source_port_n, 10);
	assert_true(c.has_shard && c.shard_index == 2 && c.shard_count == 5);
	assert_int_equal(c.nnics, 2);
	assert_int_equal(c.nics[0].engine, ENGINE_NULL);
	assert_int_equal(c.nics[0].queues, 4);
	assert_true(c.nics[0].has_gateway_mac && c.nics[0].gateway_mac[5] == 2);
	assert_int_equal(c.nics[1].engine, ENGINE_AF_PACKET); /* empty section: defaults */
	assert_string_equal(c.hugepages, "2M:512, 1G:4@0, 1G:4@1");
	assert_string_equal(c.nics[0].dpdk_driver, "uio_pci_generic");
	assert_true(c.nics[0].xdp_mtu_fix && c.nics[0].xdp_channels_fix);
	assert_string_equal(c.nics[1].dpdk_driver, ""); /* --prepare uses vfio-pci */
	assert_false(c.nics[1].xdp_mtu_fix || c.nics[1].xdp_channels_fix);
	assert_non_null(config_find_nic(&c, "sc1"));
	assert_null(config_find_nic(&c, "sc9"));
	assert_int_equal(c.max_clients, 64); /* untouched default */
}

static void test_shipped_config(void **st)
{
	struct config c, def;
	struct errbuf e;
	char path[512];
	(void)st;
	snprintf(path, sizeof(path), "%s/config/scand.conf", getenv("SRCDIR") ? getenv("SRCDIR") : ".");
	if (config_load(&c, path, &e) < 0)
		fail_msg("%s", e.msg);
	config_defaults(&def);
	snprintf(def.socket_group, sizeof(def.socket_group), "scand"); /* the packaged service's group */
	assert_memory_equal(&c, &def, sizeof(c)); /* everything else commented: all defaults */
	assert_true(config_load(&c, "/nonexistent.conf", &e) < 0);
	assert_string_equal(e.msg, "cannot read /nonexistent.conf: No such file or directory");
}

static void test_engine_names(void **st)
{
	enum engine_kind k;
	(void)st;
	assert_int_equal(engine_kind_parse("af_xdp", &k), 0);
	assert_int_equal(k, ENGINE_AF_XDP);
	assert_string_equal(engine_kind_name(ENGINE_DPDK), "dpdk");
	assert_true(engine_kind_parse("AF_XDP", &k) < 0);
}

static void test_string_source(void **st)
{
	struct config c;
	struct errbuf e;
	(void)st;
	assert_int_equal(config_load_string(&c, "[scan]\ncooldown_s = 0\n[nic \"x0\"]\nengine=null\n", "s", &e), 0);
	assert_int_equal(c.cooldown_s, 0);
	assert_int_equal(c.nnics, 1);
	/* inline comments after a blank; '#' inside a value stays */
	assert_int_equal(config_load_string(&c, "[scan] # s\ncooldown_s = 7 # seven\nsource_ports = 1000-1001\t; two\n"
					    "[dpdk]\neal_args = --file-prefix=a#b\n", "s", &e), 0);
	assert_int_equal(c.cooldown_s, 7);
	assert_int_equal(c.source_port_n, 2);
	assert_string_equal(c.eal_args, "--file-prefix=a#b");
	assert_true(config_load_string(&c, "[scan]\ncooldown_s = 3601\n", "s", &e) < 0);
	assert_string_equal(e.msg, "s:2: [scan] cooldown_s = 3601: must be an integer between 0 and 3600");
}

/* The blocklist and allow list of a config: an error names the key once,
 * then the cause (the message is never formatted into itself). */
static void test_lists_errors(void **st)
{
	struct config c;
	struct cidr_list block, allow;
	struct errbuf e = { { 0 } };
	(void)st;
	config_defaults(&c);
	snprintf(c.blocklist_file, sizeof(c.blocklist_file), "/nonexistent/blocklist.conf");
	assert_int_equal(daemon_load_lists(&c, &block, &allow, &e), -ENOENT);
	assert_string_equal(e.msg, "[scan] blocklist_file: cannot read /nonexistent/blocklist.conf: No such file or directory");
	c.blocklist_file[0] = '\0';
	snprintf(c.allow, sizeof(c.allow), "198.18.0.0/15, 10.0.0.0/33");
	assert_true(daemon_load_lists(&c, &block, &allow, &e) < 0);
	assert_string_equal(e.msg, "[scan] allow: prefix length \"33\" in \"10.0.0.0/33\" is out of range 0-32");
	snprintf(c.allow, sizeof(c.allow), "198.18.0.0/15");
	assert_int_equal(daemon_load_lists(&c, &block, &allow, &e), 0);
	cidr_list_free(&block);
	cidr_list_free(&allow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files_golden), cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_shipped_config),	 cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_string_source),	 cmocka_unit_test(test_lists_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
