/* scand --prepare killed with SIGKILL at every step of a run, then --undo
 * (tests/unit/prepfake.h): hugepages (the count's intent written, its sysfs
 * write not yet made: a FIFO plays the kernel and never takes the write), a
 * hugetlbfs mount, a DPDK bind with driverctl (interface down, override) and
 * an AF_XDP NIC's MTU and channels. Each command the run makes is a step;
 * the run is killed inside it before its effect and after it. Every time,
 * --undo leaves the fake host exactly as it was before the run, and the
 * record is gone. */
#include "prepfake.h"

#include "prepare.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define HP2 "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

static struct config cfg;

static void host(void)
{
	ena_device();
	sh("mkdir -p %s/sys/bus/pci/drivers/vfio-pci", root); /* loaded: no modprobe (which --undo leaves) */
	put(HP2, "0\n");
	put("/sys/class/net/eth2/mtu", "9001\n");
	put("/ethtool-i.eth2", "driver: ena\n");
	put("/ch.eth2", "0 0 8 0 0 8\n");
	prep_load(&cfg, "[dpdk]\nhugepages = 2M:4\n"
			"[nic \"d1\"]\nengine = dpdk\ndpdk_port = " PCI "\n"
			"[nic \"eth2\"]\nengine = af_xdp\nxdp_mtu_fix = true\nxdp_channels_fix = true\n");
}

/* The host as --prepare and --undo see it: every file, link and directory
 * under sys, proc and dev, the channel counts and driverctl's overrides. */
static char *snapshot(void)
{
	char cmd[1024], path[256];
	snprintf(path, sizeof(path), "%s/snap", root);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && find sys proc dev ch.* override.* 2>/dev/null | LC_ALL=C sort | while read f; do "
		 "if [ -L \"$f\" ]; then echo \"$f -> $(readlink \"$f\")\"; elif [ -f \"$f\" ]; then echo \"$f: $(cat \"$f\")\"; "
		 "else echo \"$f/\"; fi; done > %s",
		 root, path);
	sh("%s", cmd);
	char *s = strdup(get("/snap"));
	unlink(path);
	return s;
}

static pid_t prepare_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fclose(stdout); /* its lines are not this test's */
		_exit(prepare_main(&cfg, root, false, false));
	}
	return pid;
}

/* Runs --prepare in a child until the stub of step `step` pauses (before
 * or after its effect), kills both with SIGKILL. False when the run ended
 * before reaching that step. */
static bool kill_at(unsigned step, const char *when)
{
	char flag[64];
	int status;
	snprintf(flag, sizeof(flag), "/pause.%s.%u", when, step);
	put(flag, "");
	pid_t pid = prepare_child();
	for (int i = 0; i < 1000 && !present("/paused"); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return false;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL); /* at the pause, or stuck: no child outlives the test */
	waitpid(pid, &status, 0);
	assert_true(present("/paused"));
	pid_t stub = (pid_t)atoi(get("/paused")); /* written whole (mv): never 0, which would kill us all */
	assert_true(stub > 0);
	kill(stub, SIGKILL);
	return true;
}

/* Steps of a whole run (the stubs count them), on a fresh host. */
static unsigned steps_of_a_run(void)
{
	int status;
	host();
	pid_t pid = prepare_child();
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return (unsigned)atoi(get("/step"));
}

/* The first line where a and b differ, into buf. */
static const char *first_difference(const char *a, const char *b, char *buf, size_t len)
{
	while (*a && *b) {
		size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
		if (na != nb || strncmp(a, b, na)) {
			snprintf(buf, len, "'%.*s' became '%.*s'", (int)na, a, (int)nb, b);
			return buf;
		}
		a += na + (a[na] == '\n');
		b += nb + (b[nb] == '\n');
	}
	snprintf(buf, len, "%s '%.100s'", *a ? "lost" : "gained", *a ? a : b);
	return buf;
}

static void undo_and_compare(const char *before, const char *what)
{
	char diff[400];
	assert_int_equal(prepare_main(&cfg, root, false, true), 0);
	char *after = snapshot();
	if (strcmp(before, after))
		fail_msg("killed %s: --undo left the host changed: %s", what,
			 first_difference(before, after, diff, sizeof(diff)));
	if (present("/state/prepare.json"))
		fail_msg("killed %s: the record is still there after --undo:\n%s", what, get("/state/prepare.json"));
	free(after);
}

static void test_kill_at_every_step(void **st)
{
	static const char *const when[] = { "before", "after" };
	char what[64];
	(void)st;
	unsigned n = steps_of_a_run();
	print_message("a run takes %u steps: %s", n, cmds());
	assert_int_equal(n, 9); /* mount, driverctl x2, ip down, ethtool -i, ip mtu, ethtool -l, -L, -l */
	for (unsigned i = 1; i <= n; i++)
		for (size_t w = 0; w < 2; w++) {
			fake_teardown(NULL);
			fake_setup(NULL);
			host();
			char *before = snapshot();
			snprintf(what, sizeof(what), "%s the effect of step %u", when[w], i);
			assert_true(kill_at(i, when[w]));
			undo_and_compare(before, what);
			free(before);
		}
}

/* Killed between the hugepage count's intent and its write: the FIFO at
 * nr_hugepages answers the first read with 0, then never takes the write. */
static void test_kill_before_sysfs_write(void **st)
{
	char path[512];
	int status;
	(void)st;
	host();
	char *before = snapshot();
	snprintf(path, sizeof(path), "%s" HP2, root);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	pid_t pid = prepare_child();
	int fd = open(path, O_WRONLY); /* the child's read */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0\n", 2), 2);
	close(fd);
	cJSON *rec = NULL, *hp;
	for (int i = 0; i < 1000 && !rec; i++) { /* the intent, fsync'd before the write */
		rec = cJSON_Parse(get("/state/prepare.json"));
		hp = cJSON_GetArrayItem(cJSON_GetObjectItem(rec, "hugepages"), 0);
		if (!hp || !cJSON_IsFalse(cJSON_GetObjectItem(hp, "done"))) {
			cJSON_Delete(rec);
			rec = NULL;
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
	}
	if (!rec) {
		kill(pid, SIGKILL); /* blocked on the FIFO: it must not outlive the test */
		waitpid(pid, &status, 0);
		fail_msg("no hugepage intent in the record before the write: %s", get("/state/prepare.json"));
	}
	assert_int_equal((int)cJSON_GetObjectItem(hp, "before")->valuedouble, 0);
	assert_int_equal((int)cJSON_GetObjectItem(hp, "after")->valuedouble, 4);
	cJSON_Delete(rec);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	unlink(path);
	put(HP2, "0\n"); /* the kernel's count, never written */
	undo_and_compare(before, "between the hugepage intent and its write");
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_at_every_step, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_kill_before_sysfs_write, fake_setup, fake_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
