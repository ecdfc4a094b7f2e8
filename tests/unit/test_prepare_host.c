/* scand --prepare for the host on a fake tree (tests/unit/prepfake.h): the
 * [dpdk] hugepages parser, per-node reservation through sysfs, hugetlbfs
 * mounts (reused or made), a kernel that reserves fewer pages than asked
 * (a FIFO plays the kernel), undo that gives back only what scand added,
 * EAL's --huge-dir, the record, and the command runner. */
#include "prepfake.h"

#include "config.h"
#include "hugepages.h"
#include "prepare.h"

#include <pthread.h>
#include <fcntl.h>

#define HP2 "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define HP1G_N0 "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages"
#define HP1G_N1 "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages"

static struct config cfg;

static void load(const char *hugepages)
{
	char body[512];
	snprintf(body, sizeof(body), "[dpdk]\nhugepages = %s\n", hugepages);
	prep_load(&cfg, body);
}

static void test_parse(void **st)
{
	struct hp_spec s;
	struct errbuf e;
	(void)st;
	assert_int_equal(hugepages_parse("2M:1024, 1G:8@0,1G:4@1", &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.r[0].kb == 2048 && s.r[0].count == 1024 && s.r[0].node == -1);
	assert_true(s.r[1].kb == 1048576 && s.r[1].count == 8 && s.r[1].node == 0);
	assert_true(s.r[2].kb == 1048576 && s.r[2].count == 4 && s.r[2].node == 1);
	assert_int_equal(hugepages_parse("2048kB:16,1024M:1", &s, &e), 0);
	assert_true(s.r[0].kb == 2048 && s.r[1].kb == 1048576);
	assert_int_equal(hugepages_parse("", &s, &e), 0);
	assert_int_equal(s.n, 0);
	static const char *const bad[][2] = {
		{ "2M", "\"2M\": expected SIZE:COUNT[@NODE], e.g. 2M:1024 or 1G:8@0" },
		{ "4M:10", "\"4M:10\": page size must be 2M or 1G" },
		{ "2M:-1", "\"2M:-1\": COUNT must be an integer between 0 and 1000000" },
		{ "2M:10x", "\"2M:10x\": COUNT must be an integer between 0 and 1000000" },
		{ "1G:2@64", "\"1G:2@64\": NODE must be a NUMA node number between 0 and 63" },
		{ "1G:2@0,1G:3@0", "1G@0 is listed twice; give each page size and node once" },
		{ "2M:2,2M:3", "2M is listed twice; give each page size and node once" },
		{ "1G:2,1G:3@1", "1G pages are given both for the whole host and per node; use either 1G:COUNT or 1G:COUNT@NODE entries" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(hugepages_parse(bad[i][0], &s, &e), -EINVAL);
		assert_string_equal(e.msg, bad[i][1]);
	}
	/* the config carries the same message with its line */
	assert_int_equal(config_load_string(&cfg, "[dpdk]\n\nhugepages = 2M:1,4M:2\n", "t.conf", &e), -EINVAL);
	assert_string_equal(e.msg, "t.conf:3: [dpdk] hugepages = 2M:1,4M:2: \"4M:2\": page size must be 2M or 1G");
}

static void test_reserve_mount_undo(void **st)
{
	(void)st;
	put(HP2, "3\n");
	put(HP1G_N0, "0\n");
	put(HP1G_N1, "0\n");
	load("2M:64, 1G:2@0, 1G:2@1");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	char want[1024];
	snprintf(want, sizeof(want),
		 "mount -t hugetlbfs -o pagesize=2M nodev %s/dev/hugepages\nmount -t hugetlbfs -o pagesize=1G nodev %s/dev/hugepages-1G\n",
		 root, root);
	assert_string_equal(cmds(), want);
	assert_string_equal(get(HP2), "64\n");
	assert_string_equal(get(HP1G_N0), "2\n");
	assert_string_equal(get(HP1G_N1), "2\n");
	assert_true(present("/dev/hugepages") && present("/dev/hugepages-1G"));
	/* again: nothing to do, both mounts reused */
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "");
	/* meanwhile someone else adds 10 pages: undo gives back only scand's 61 */
	put(HP2, "74\n");
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	snprintf(want, sizeof(want), "umount %s/dev/hugepages-1G\numount %s/dev/hugepages\n", root, root);
	assert_string_equal(cmds(), want);
	assert_string_equal(get(HP2), "13\n");
	assert_string_equal(get(HP1G_N0), "0\n");
	assert_false(present("/dev/hugepages") || present("/dev/hugepages-1G"));
	assert_false(present("/state/prepare.json"));
}

static void test_reuse_existing_mount(void **st)
{
	(void)st;
	put(HP2, "0\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");
	load("2M:8");
	assert_int_equal(prepare_main(&cfg, root, true, false), 0); /* dry run: nothing */
	assert_string_equal(get(HP2), "0\n");
	assert_int_equal(prepare_main(&cfg, root, false, false), 0);
	assert_string_equal(cmds(), "");
	assert_string_equal(get(HP2), "8\n");
	/* undo leaves the mount it did not make */
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	assert_string_equal(cmds(), "");
	assert_string_equal(get(HP2), "0\n");
	assert_non_null(strstr(get("/proc/mounts"), "/dev/hugepages "));
}

/* A "kernel" behind a FIFO at the nr_hugepages path: answers the first read
 * with 0, takes scand's write, answers the read-back with 1 page. */
static void *stingy_kernel(void *arg)
{
	char buf[32];
	int fd = open(arg, O_WRONLY);
	if (fd >= 0) {
		dprintf(fd, "0\n");
		close(fd);
	}
	if ((fd = open(arg, O_RDONLY)) >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	if ((fd = open(arg, O_WRONLY)) >= 0) {
		dprintf(fd, "1\n");
		close(fd);
	}
	return NULL;
}

static void shortfall(const char *rel, const char *spec, const char *want)
{
	char path[512], dir[600];
	pthread_t t;
	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	sh("mkdir -p '%s'", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	load(spec);
	assert_int_equal(pthread_create(&t, NULL, stingy_kernel, path), 0);
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	pthread_join(t, NULL);
	cJSON *none = prepare_report_nic(dir, "x"); /* no record in that directory: null */
	assert_true(cJSON_IsNull(none));
	cJSON_Delete(none);
	snprintf(dir, sizeof(dir), "%s/state", root);
	cJSON *o = prepare_report_nic(dir, PREP_HUGEPAGES);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	assert_true(cJSON_IsString(e));
	assert_string_equal(e->valuestring, want);
	cJSON_Delete(o);
	unlink(path);
}

static void test_shortfall(void **st)
{
	(void)st;
	shortfall("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "1G:4",
		  "1G pages on host: asked for 4, the kernel reserved 1: 1 GiB pages must be reserved at boot; add \"hugepagesz=1G hugepages=4\" to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)");
	put("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/.keep", "");
	shortfall("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "2M:64@0",
		  "2M pages on node 0: asked for 64, the kernel reserved 1 (memory is fragmented or short): free memory and retry (echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory), or reserve at boot with \"hugepages=64\" on the kernel command line");
	/* a page size or node the host does not have */
	load("1G:1@3");
	assert_int_equal(prepare_main(&cfg, root, false, false), 1);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/state", root);
	cJSON *o = prepare_report_nic(dir, PREP_HUGEPAGES);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "error")->valuestring,
			    "1G pages on node 3: /sys/devices/system/node/node3/hugepages/hugepages-1048576kB/nr_hugepages is missing: no such NUMA node (ls /sys/devices/system/node)");
	cJSON_Delete(o);
}

static void test_eal_huge_dir(void **st)
{
	struct dpdk_env env = { root, "" };
	struct eal_argv a;
	struct errbuf e;
	char note[320];
	(void)st;
	put("/proc/mounts", "nodev /dev/hugepages hugetlbfs rw 0 0\nnodev /mnt/huge1g hugetlbfs rw,pagesize=1024M 0 0\n");
	assert_int_equal(eal_argv_build("--in-memory -m 512", &a, &e), 0);
	assert_int_equal(hugepages_eal_args(&env, "1G:2@0,1G:2@1", &a, note, sizeof(note)), 1);
	assert_int_equal(a.argc, 6);
	assert_string_equal(a.argv[4], "--huge-dir");
	assert_string_equal(a.argv[5], "/mnt/huge1g");
	assert_null(a.argv[6]);
	assert_string_equal(note, "EAL uses the 1G hugepages in /mnt/huge1g (--huge-dir)");
	assert_int_equal(eal_argv_build("--in-memory", &a, &e), 0);
	assert_int_equal(hugepages_eal_args(&env, "2M:64", &a, note, sizeof(note)), 1); /* default size, no pagesize= */
	assert_string_equal(a.argv[3], "/dev/hugepages");
	/* not added: no spec, --no-huge, an explicit --huge-dir, two sizes; none mounted */
	assert_int_equal(eal_argv_build("--no-huge -m 64", &a, &e), 0);
	assert_int_equal(hugepages_eal_args(&env, "2M:64", &a, note, sizeof(note)), 0);
	assert_int_equal(eal_argv_build("--huge-dir /x", &a, &e), 0);
	assert_int_equal(hugepages_eal_args(&env, "2M:64", &a, note, sizeof(note)), 0);
	assert_int_equal(hugepages_eal_args(&env, "", &a, note, sizeof(note)), 0);
	assert_int_equal(a.argc, 3);
	assert_int_equal(eal_argv_build("", &a, &e), 0);
	assert_int_equal(hugepages_eal_args(&env, "2M:64,1G:1", &a, note, sizeof(note)), 0);
	assert_string_equal(note, "[dpdk] hugepages uses several page sizes: EAL looks at every hugetlbfs mount");
	put("/proc/mounts", "");
	assert_int_equal(hugepages_eal_args(&env, "1G:1", &a, note, sizeof(note)), -ENOENT);
	assert_string_equal(note, "no hugetlbfs is mounted for the 1G pages of [dpdk] hugepages: run scand --prepare");
	assert_int_equal(a.argc, 1);
}

static void test_runner(void **st)
{
	char out[64], line[128];
	(void)st;
	assert_int_equal(cmd_run((const char *const[]){ "sh", "-c", "echo out; echo err >&2; exit 3", NULL }, out, sizeof(out)), 3);
	assert_string_equal(out, "out\nerr");
	assert_int_equal(cmd_run((const char *const[]){ "sh", "-c", "yes | head -c 100000", NULL }, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1); /* bounded by the buffer; the rest is drained */
	assert_int_equal(cmd_run((const char *const[]){ "no-such-tool-scand", NULL }, out, sizeof(out)), -ENOENT);
	assert_false(cmd_exists("no-such-tool-scand"));
	assert_true(cmd_exists("sh"));
	cmd_format((const char *const[]){ "ip", "link", "set", "a b", "x'y", "", NULL }, line, sizeof(line));
	assert_string_equal(line, "ip link set 'a b' 'x'y' ''");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_reserve_mount_undo, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_existing_mount, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_shortfall, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_eal_huge_dir, fake_setup, fake_teardown),
		cmocka_unit_test(test_runner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
