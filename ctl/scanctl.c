/* scanctl: the command-line client of scand (DESIGN §4). Commands build
 * JSON-RPC requests; output is human by default, raw JSON with --json. */
#include "cli.h"
#include "client.h"
#include "follow.h"
#include "jobwait.h"
#include "probeargs.h"
#include "progress.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: scanctl [--socket PATH] [--json] COMMAND [ARGS]\n\n"
		"Commands:\n"
		"  submit TARGET... | -I FILE  -p PORTS [-r PPS] [--shard i/N] [--seed N] [-i NIC]...\n"
		"         [--engine E] [--source-ip IP] [--source-ports A-B] [--gateway-mac MAC]\n"
		"         [--blocklist CIDR]... [--cooldown S] [--name NAME] [--no-adaptive]\n"
		"         [--key KEY] [--label NAME=VALUE]... [--wait] [-o FILE] [-O ndjson|csv]\n"
		"         [--probe tcp_syn|icmp_echo|udp] [--probe-args ARGS] [--record STATUS,...]\n"
		"                          submit a scan; prints the job id. --wait shows progress\n"
		"                          on stderr and writes the results to -o (default stdout).\n"
		"                          --key makes it idempotent: the same key and spec again\n"
		"                          gives the first job (and a lost connection is retried)\n"
		"                          --probe-args: tcp_syn smallest-probes|bsd|windows|linux;\n"
		"                          udp text:S, hex:H, file:PATH, template:PATH or\n"
		"                          payloads:PATH; icmp_echo takes no -p and no args.\n"
		"                          --record open keeps only those rows in the results\n"
		"  status JOB              state, sent/total, replies, open/closed, pps, ETA\n"
		"  jobs [--state S] [--label NAME=VALUE]   list jobs\n"
		"  watch JOB               live progress until the job ends\n"
		"  results JOB [-O csv] [-o FILE]   all results (NDJSON by default)\n"
		"  results JOB --follow [-o FILE]   rows as they arrive until the job ends;\n"
		"                          reconnects and resumes after a lost connection\n"
		"  cancel JOB              stop a job (results so far are kept)\n"
		"  delete JOB              delete a finished job and its results now\n"
		"  rate JOB PPS            change a job's rate\n"
		"  nics                    NICs, engines, modes, errors\n"
		"  telemetry [--prometheus]  per-NIC counters, ENA allowance counters, rate control\n"
		"  top [-n COUNT]          live per-NIC view, refreshed every second\n"
		"  heartbeat               liveness summary\n"
		"  info                    daemon version, features, NICs\n\n"
		"Options:\n"
		"  --socket PATH   control socket (default $SCAND_SOCKET or /run/scand/control.sock)\n"
		"  --json          print the daemon's raw JSON result\n\n"
		"Exit status: 0 ok, 1 scand returned an error, 2 usage error, 3 cannot reach scand.\n");
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "scanctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'scanctl --help'.\n");
	exit(EXIT_USAGE);
}

static bool parse_format(const char *s)
{
	if (!strcmp(s, "csv"))
		return true;
	if (strcmp(s, "ndjson"))
		usage_error("-O must be ndjson or csv, not \"%s\"", s);
	return false;
}

static void add_list(cJSON *p, const char *k, const char *v)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(p, k);
	if (!a)
		a = cJSON_AddArrayToObject(p, k);
	cJSON_AddItemToArray(a, cJSON_CreateString(v));
}

/* -I FILE: one target per line; blank lines and '#' comments are skipped. */
static void add_targets_file(cJSON *p, const char *path)
{
	char line[256];
	unsigned n = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "scanctl: -I %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t"), *e;
		if ((e = strchr(s, '#')))
			*e = '\0';
		s[strcspn(s, " \t\r\n")] = '\0';
		if (*s) {
			add_list(p, "targets", s);
			n++;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!n)
		usage_error("-I %s lists no targets", path);
}

/* --label NAME=VALUE -> "labels": {NAME: VALUE} */
static void add_label(cJSON *p, const char *s)
{
	const char *eq = strchr(s, '=');
	cJSON *o = cJSON_GetObjectItemCaseSensitive(p, "labels");
	if (!eq || eq == s)
		usage_error("--label must be NAME=VALUE (e.g. campaign=weekly), not \"%s\"", s);
	if (!o)
		o = cJSON_AddObjectToObject(p, "labels");
	char *name = strndup(s, (size_t)(eq - s));
	cJSON_AddStringToObject(o, name, eq + 1);
	free(name);
}

static void add_shard(cJSON *p, const char *s)
{
	unsigned long i, n;
	char end;
	if (sscanf(s, "%lu/%lu%c", &i, &n, &end) != 2 || n == 0 || i >= n)
		usage_error("--shard must be INDEX/COUNT with INDEX < COUNT, e.g. 0/4 (got \"%s\")", s);
	cJSON *o = cJSON_AddObjectToObject(p, "shard");
	cJSON_AddNumberToObject(o, "index", (double)i);
	cJSON_AddNumberToObject(o, "count", (double)n);
}

static void add_number(cJSON *p, const char *k, const char *s, const char *opt)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-')
		usage_error("%s needs a non-negative integer", opt);
	if (v > (1ull << 53))
		cJSON_AddStringToObject(p, k, s);
	else
		cJSON_AddNumberToObject(p, k, (double)v);
}

static int cmd_submit(struct client *c, int argc, char **argv)
{
	enum { O_SHARD = 256, O_SEED, O_ENGINE, O_SRCIP, O_SPORTS, O_GWMAC, O_BLOCK, O_COOL, O_NAME,
	       O_NOADAPT, O_WAIT, O_KEY, O_LABEL, O_PROBE, O_PROBE_ARGS, O_RECORD };
	static const struct option opts[] = {
		{ "ports", 1, 0, 'p' }, { "rate", 1, 0, 'r' }, { "nic", 1, 0, 'i' },
		{ "output", 1, 0, 'o' }, { "format", 1, 0, 'O' }, { "shard", 1, 0, O_SHARD },
		{ "seed", 1, 0, O_SEED }, { "engine", 1, 0, O_ENGINE }, { "source-ip", 1, 0, O_SRCIP },
		{ "source-ports", 1, 0, O_SPORTS }, { "gateway-mac", 1, 0, O_GWMAC },
		{ "blocklist", 1, 0, O_BLOCK }, { "cooldown", 1, 0, O_COOL }, { "name", 1, 0, O_NAME },
		{ "no-adaptive", 0, 0, O_NOADAPT }, { "wait", 0, 0, O_WAIT }, { "help", 0, 0, 'h' },
		{ "input-file", 1, 0, 'I' }, { "key", 1, 0, O_KEY }, { "label", 1, 0, O_LABEL },
		{ "probe", 1, 0, O_PROBE }, { "probe-args", 1, 0, O_PROBE_ARGS },
		{ "record", 1, 0, O_RECORD }, { 0 } };
	cJSON *p = cJSON_CreateObject(), *r, *st;
	const char *out = NULL, *probe = NULL, *probe_args = NULL;
	bool wait = false, csv = false, ports = false;
	char id[64], why[600];
	int o;

	while ((o = getopt_long(argc, argv, "p:r:i:o:O:I:h", opts, NULL)) != -1) {
		switch (o) {
		case 'I': add_targets_file(p, optarg); break;
		case 'p': cJSON_AddStringToObject(p, "ports", optarg); ports = true; break;
		case 'r': add_number(p, "rate_pps", optarg, "-r"); break;
		case 'i': add_list(p, "nics", optarg); break;
		case 'o': out = optarg; break;
		case 'O': csv = parse_format(optarg); break;
		case O_SHARD: add_shard(p, optarg); break;
		case O_SEED: add_number(p, "seed", optarg, "--seed"); break;
		case O_ENGINE: cJSON_AddStringToObject(p, "engine", optarg); break;
		case O_SRCIP: cJSON_AddStringToObject(p, "source_ip", optarg); break;
		case O_SPORTS: cJSON_AddStringToObject(p, "source_ports", optarg); break;
		case O_GWMAC: cJSON_AddStringToObject(p, "gateway_mac", optarg); break;
		case O_BLOCK: add_list(p, "blocklist", optarg); break;
		case O_COOL: add_number(p, "cooldown_s", optarg, "--cooldown"); break;
		case O_NAME: cJSON_AddStringToObject(p, "name", optarg); break;
		case O_NOADAPT: cJSON_AddFalseToObject(p, "adaptive"); break;
		case O_WAIT: wait = true; break;
		case O_KEY: cJSON_AddStringToObject(p, "client_key", optarg); break;
		case O_LABEL: add_label(p, optarg); break;
		case O_PROBE: probe = optarg; break;
		case O_PROBE_ARGS: probe_args = optarg; break;
		case O_RECORD: probeargs_record(p, optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage_error("%s", "bad submit option");
		}
	}
	if (optind >= argc && !cJSON_GetObjectItemCaseSensitive(p, "targets"))
		usage_error("%s", "submit needs at least one TARGET (e.g. 198.18.1.0/24) or -I FILE");
	if (!ports && !(probe && strcmp(probe, "icmp_echo") == 0))
		usage_error("%s", "submit needs -p PORTS (e.g. -p 22,80,443)");
	if (probeargs_add(p, probe, probe_args, why, sizeof(why)) < 0)
		usage_error("%s", why);
	for (int i = optind; i < argc; i++)
		add_list(p, "targets", argv[i]);
	/* with a key a resend is safe: scand answers it with the first job */
	r = cJSON_GetObjectItem(p, "client_key") ? client_call_retry(c, "job.submit", p, 30)
						 : client_call(c, "job.submit", p);
	snprintf(id, sizeof(id), "%s", str(r, "job_id"));
	if (cJSON_IsFalse(cJSON_GetObjectItem(r, "created")) && !c->json)
		fprintf(stderr, "scanctl: key already used by job %s (%s): nothing new submitted\n", id,
			str(r, "state"));
	if (c->json && !wait)
		print_json(r);
	else if (wait && !out)
		fprintf(stderr, "job %s\n", id);
	else
		printf("%s\n", id);
	fflush(stdout);
	cJSON_Delete(r);
	if (!wait)
		return 0;
	st = wait_job(c, id);
	/* done, and no reply lost on the way (results ring, NIC drops) */
	bool done = !strcmp(str(st, "state"), "done") &&
		    !cJSON_IsFalse(cJSON_GetObjectItem(st, "complete"));
	if (!done)
		fprintf(stderr, "scanctl: job %s %s%s%s\n", id, str(st, "state"),
			cJSON_IsString(cJSON_GetObjectItem(st, "error")) ? ": " : "",
			cJSON_IsString(cJSON_GetObjectItem(st, "error")) ? str(st, "error") : "");
	cJSON_Delete(st);
	int w = write_results(c, id, out, csv);
	return w ? w : done ? 0 : EXIT_DAEMON_ERROR;
}

static void print_status(const cJSON *st)
{
	static const char *const keys[] = { "job_id", "name", "state", "owner_uid", "probe", "sent", "total",
					    "replies", "open", "closed", "up", "unreachable", "complete", "pps",
					    "rate_pps", "tx_rate_pps",
					    "eta_s", "error", "submitted_at", "started_at",
					    "finished_at", "elapsed_s", NULL };
	for (const char *const *k = keys; *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, *k);
		if (cJSON_IsString(v))
			printf("%-13s %s\n", *k, v->valuestring);
		else if (cJSON_IsNumber(v))
			printf("%-13s %.15g\n", *k, v->valuedouble);
		else if (cJSON_IsBool(v))
			printf("%-13s %s\n", *k, cJSON_IsTrue(v) ? "yes" : "no");
		else
			printf("%-13s -\n", *k);
	}
}

static int cmd_jobs(struct client *c, int argc, char **argv)
{
	cJSON *p = cJSON_CreateObject(), *r, *j;
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--state"))
			cJSON_AddStringToObject(p, "state", argv[i + 1]);
		else if (i + 1 < argc && !strcmp(argv[i], "--label"))
			cJSON_AddStringToObject(p, "label", argv[i + 1]);
		else
			usage_error("%s", "usage: scanctl jobs [--state STATE] [--label NAME=VALUE]");
	}
	r = client_call(c, "job.list", p);
	if (c->json) {
		print_json(r);
	} else {
		printf("%-15s %-16s %-9s %6s %s\n", "JOB", "NAME", "STATE", "DONE", "SENT/TOTAL");
		cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(r, "jobs"))
			printf("%-15s %-16.16s %-9s %5.1f%% %.0f/%.0f\n", str(j, "job_id"), str(j, "name"),
			       str(j, "state"), num(j, "progress") * 100, num(j, "sent"), num(j, "total"));
	}
	cJSON_Delete(r);
	return 0;
}

static int cmd_job(struct client *c, int argc, char **argv)
{
	const char *cmd = argv[0];
	cJSON *r;
	if (argc < 2)
		usage_error("%s needs a JOB id", cmd);
	if (!strcmp(cmd, "results")) {
		static const struct option ro[] = { { "follow", 0, 0, 'f' }, { "output", 1, 0, 'o' },
						     { "format", 1, 0, 'O' }, { 0 } };
		const char *out = NULL, *id = argv[1]; /* getopt permutes argv */
		bool csv = false, follow = false;
		int o;
		optind = 0;
		while ((o = getopt_long(argc, argv, "o:O:f", ro, NULL)) != -1) {
			if (o == 'o')
				out = optarg;
			else if (o == 'O')
				csv = parse_format(optarg);
			else if (o == 'f')
				follow = true;
			else
				usage_error("%s", "usage: scanctl results JOB [--follow] [-O ndjson|csv] [-o FILE]");
		}
		if (follow && csv)
			usage_error("%s", "--follow prints NDJSON rows; drop -O csv");
		return follow ? follow_file(c, id, out) : write_results(c, id, out, csv);
	}
	if (!strcmp(cmd, "watch")) {
		r = wait_job(c, argv[1]);
		if (c->json)
			print_json(r);
		bool ok = !strcmp(str(r, "state"), "done");
		cJSON_Delete(r);
		return ok ? 0 : EXIT_DAEMON_ERROR;
	}
	if (!strcmp(cmd, "rate")) {
		cJSON *p = job_param(argv[1]);
		if (argc != 3)
			usage_error("%s", "usage: scanctl rate JOB PPS");
		add_number(p, "rate_pps", argv[2], "PPS");
		r = client_call(c, "rate.set", p);
	} else {
		r = client_call(c, !strcmp(cmd, "status") ? "job.status"
				   : !strcmp(cmd, "delete") ? "job.delete" : "job.cancel",
				job_param(argv[1]));
	}
	if (c->json)
		print_json(r);
	else if (!strcmp(cmd, "status"))
		print_status(r);
	else if (!strcmp(cmd, "cancel"))
		printf("%s %s\n", str(r, "job_id"), str(r, "state"));
	else if (!strcmp(cmd, "delete"))
		printf("%s deleted\n", str(r, "job_id"));
	else
		printf("%s rate %.0f pps\n", str(r, "job_id"), num(r, "rate_pps"));
	cJSON_Delete(r);
	return 0;
}

static int cmd_nics(struct client *c, bool info)
{
	cJSON *r = client_call(c, "daemon.info", NULL), *n, *e;
	if (c->json) {
		print_json(r);
		cJSON_Delete(r);
		return 0;
	}
	if (info) {
		printf("scand %s, up %.0f s\nengines:", str(r, "version"), num(r, "uptime_s"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "engines"))
			printf(" %s", e->valuestring);
		printf("\nprobe modules:");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "probe_modules"))
			printf(" %s", str(e, "name"));
		printf("\n");
	}
	printf("%-10s %-10s %-7s %-24s %6s %4s %5s %s\n", "NIC", "ENGINE", "STATE", "MODE", "QUEUES",
	       "NUMA", "MTU", "ERROR/NOTES");
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "nics")) {
		const char *err = str(n, "error");
		printf("%-10s %-10s %-7s %-24s %6.0f %4.0f %5.0f %s\n", str(n, "name"), str(n, "engine"),
		       str(n, "state"), str(n, "mode"), num(n, "queues"), num(n, "numa_node"),
		       num(n, "mtu"), strcmp(err, "-") ? err : str(n, "notes"));
	}
	cJSON_Delete(r);
	return 0;
}

static void print_nic_table(const cJSON *r)
{
	const cJSON *n, *rate = cJSON_GetObjectItemCaseSensitive(r, "rate");
	char a[16], b[16];
	printf("%-10s %12s %12s %9s %9s %6s %8s %9s %s\n", "NIC", "TX", "RX", "TX/s", "RX/s", "BUSY",
	       "DROPS", "RINGFULL", "ENA pps/bw_in/bw_out exceeded (+this tick)");
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "nics")) {
		const cJSON *ena = cJSON_GetObjectItemCaseSensitive(n, "ena");
		const cJSON *dl = cJSON_GetObjectItemCaseSensitive(ena, "delta");
		char enabuf[96] = "-";
		if (cJSON_IsObject(ena))
			snprintf(enabuf, sizeof(enabuf), "%.0f/%.0f/%.0f (+%.0f/+%.0f/+%.0f)",
				 num(ena, "pps_allowance_exceeded"), num(ena, "bw_in_allowance_exceeded"),
				 num(ena, "bw_out_allowance_exceeded"), num(dl, "pps_allowance_exceeded"),
				 num(dl, "bw_in_allowance_exceeded"), num(dl, "bw_out_allowance_exceeded"));
		printf("%-10s %12.0f %12.0f %9s %9s %5.0f%% %8.0f %9.0f %s\n", str(n, "name"),
		       num(n, "tx_packets"), num(n, "rx_packets"), human(num(n, "tx_pps"), a, sizeof(a)),
		       human(num(n, "rx_pps"), b, sizeof(b)), num(n, "busy_max") * 100, num(n, "drops"),
		       num(n, "tx_ring_full"), enabuf);
	}
	printf("rate: target %s pps (ceiling %.0f), current %s pps, pressure %s, cuts %.0f\n",
	       human(num(rate, "target"), a, sizeof(a)), num(rate, "ceiling"),
	       human(num(rate, "current"), b, sizeof(b)), str(rate, "pressure"), num(rate, "cuts"));
}

static void print_prometheus(const cJSON *r)
{
	static const struct { const char *key, *name, *type, *help; } m[] = {
		{ "tx_packets", "scand_nic_tx_packets_total", "counter", "Probes sent by the NIC's engine." },
		{ "rx_packets", "scand_nic_rx_packets_total", "counter", "Frames received by the NIC's engine." },
		{ "tx_pps", "scand_nic_tx_pps", "gauge", "Probes per second over the last tick." },
		{ "rx_pps", "scand_nic_rx_pps", "gauge", "Frames received per second over the last tick." },
		{ "drops", "scand_nic_rx_drops_total", "counter", "Frames dropped by the RX ring." },
		{ "tx_ring_full", "scand_nic_tx_ring_full_total", "counter", "TX bursts that found the ring full." },
	};
	const cJSON *n, *rate = cJSON_GetObjectItemCaseSensitive(r, "rate");
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		printf("# HELP %s %s\n# TYPE %s %s\n", m[i].name, m[i].help, m[i].name, m[i].type);
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(r, "nics"))
			printf("%s{nic=\"%s\"} %.15g\n", m[i].name, str(n, "name"), num(n, m[i].key));
	}
	printf("# HELP scand_rate_target_pps Sum of the running jobs' current target rates.\n"
	       "# TYPE scand_rate_target_pps gauge\nscand_rate_target_pps %.15g\n", num(rate, "target"));
}

static int cmd_telemetry(struct client *c, bool prom)
{
	cJSON *r = client_call(c, "telemetry.get", NULL);
	if (c->json)
		print_json(r);
	else if (prom)
		print_prometheus(r);
	else
		print_nic_table(r);
	cJSON_Delete(r);
	return 0;
}

/* Live per-NIC view, redrawn every second (-n COUNT refreshes, then exit). */
static int cmd_top(struct client *c, int argc, char **argv)
{
	long count = -1;
	bool tty = isatty(1);
	if (argc == 3 && !strcmp(argv[1], "-n"))
		count = strtol(argv[2], NULL, 10);
	else if (argc != 1)
		usage_error("%s", "usage: scanctl top [-n COUNT]");
	for (long i = 0; count < 0 || i < count; i++) {
		cJSON *hb = client_call(c, "heartbeat", NULL), *r = client_call(c, "telemetry.get", NULL);
		const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(hb, "jobs");
		if (tty)
			printf("\033[H\033[2J");
		printf("scand %s  up %.0f s  jobs: %.0f running, %.0f queued  NICs up: %.0f/%.0f\n\n",
		       str(hb, "version"), num(hb, "uptime_s"), num(jobs, "running"), num(jobs, "queued"),
		       num(hb, "nics_up"), num(hb, "nics"));
		print_nic_table(r);
		if (!tty)
			printf("\n");
		fflush(stdout);
		cJSON_Delete(hb);
		cJSON_Delete(r);
		if (count < 0 || i + 1 < count)
			sleep(1);
	}
	return 0;
}

static int cmd_heartbeat(struct client *c)
{
	cJSON *r = client_call(c, "heartbeat", NULL);
	cJSON *jobs = cJSON_GetObjectItemCaseSensitive(r, "jobs");
	if (c->json)
		print_json(r);
	else
		printf("ok, scand %s up %.0f s, %.0f running / %.0f queued jobs, %.0f of %.0f NICs up, %.0f pps target\n",
		       str(r, "version"), num(r, "uptime_s"), num(jobs, "running"), num(jobs, "queued"),
		       num(r, "nics_up"), num(r, "nics"), num(r, "rate_pps"));
	cJSON_Delete(r);
	return 0;
}

static int run(struct client *c, const char *cmd, int argc, char **argv)
{
	if (!strcmp(cmd, "submit"))
		return cmd_submit(c, argc, argv);
	if (!strcmp(cmd, "jobs"))
		return cmd_jobs(c, argc, argv);
	if (!strcmp(cmd, "status") || !strcmp(cmd, "cancel") || !strcmp(cmd, "delete") ||
	    !strcmp(cmd, "results") || !strcmp(cmd, "watch") || !strcmp(cmd, "rate"))
		return cmd_job(c, argc, argv);
	if ((!strcmp(cmd, "nics") || !strcmp(cmd, "info")) && argc == 1)
		return cmd_nics(c, !strcmp(cmd, "info"));
	if (!strcmp(cmd, "telemetry") && (argc == 1 || (argc == 2 && !strcmp(argv[1], "--prometheus"))))
		return cmd_telemetry(c, argc == 2);
	if (!strcmp(cmd, "top"))
		return cmd_top(c, argc, argv);
	if (!strcmp(cmd, "heartbeat") && argc == 1)
		return cmd_heartbeat(c);
	usage_error("unknown command or arguments: \"%s\"", cmd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "socket", 1, 0, 's' }, { "json", 0, 0, 'j' },
					       { "help", 0, 0, 'h' }, { 0 } };
	struct client c = { .path = getenv("SCAND_SOCKET") ? getenv("SCAND_SOCKET")
							    : "/run/scand/control.sock",
			    .fd = -1 };
	const char *cmd;
	int o;

	/* result pages are lines of up to ~2 MiB: keep them on the heap, reused,
	 * instead of an mmap (and its page faults) per line */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	while ((o = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.path = optarg; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		usage_error("%s", "missing COMMAND");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: 0 re-initialises getopt for the subcommand */
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	int r = run(&c, cmd, argc, argv);
	client_free(&c);
	return r;
}
