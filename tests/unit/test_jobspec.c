/* job.submit decoding (jobspec.c) and job errors with their JSON-RPC codes: every field, defaults from
 * the config, one table row per rejected input, spec.json round trip, and the
 * index space built from targets, ports, both blocklists and the allow list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobspec.h"
#include "rpcerr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE "{\"targets\": [\"198.18.1.0/24\"], \"ports\": \"80\"}"

/* Two af_packet NICs, everything else at its default. */
static void two_nics(struct config *cfg)
{
	config_defaults(cfg);
	cfg->nnics = 2;
	snprintf(cfg->nics[0].name, IFNAMSIZ, "sc0");
	snprintf(cfg->nics[1].name, IFNAMSIZ, "sc1");
	cfg->nics[0].engine = cfg->nics[1].engine = ENGINE_AF_PACKET;
}

/* BASE with the members of `over` replaced or added; a member whose value
 * is the string "$drop" removes that field. */
static cJSON *spec_json(const char *over)
{
	cJSON *base = cJSON_Parse(BASE), *o = cJSON_Parse(over), *it;
	assert_non_null(base);
	if (!o)
		fail_msg("bad JSON in test: %s", over);
	while ((it = o->child)) {
		cJSON_DetachItemViaPointer(o, it);
		cJSON_DeleteItemFromObjectCaseSensitive(base, it->string);
		if (cJSON_IsString(it) && strcmp(it->valuestring, "$drop") == 0)
			cJSON_Delete(it);
		else
			cJSON_AddItemToObject(base, it->string, it);
	}
	cJSON_Delete(o);
	return base;
}

static int decode(const char *over, const struct config *cfg, struct job_spec *s,
		  struct job_error *e)
{
	cJSON *j = spec_json(over);
	memset(e, 0, sizeof(*e));
	int r = jobspec_from_json(j, cfg, s, e);
	cJSON_Delete(j);
	return r;
}

static void expect_error(int r, const struct job_error *e, const char *field, const char *substr,
			 const char *what)
{
	if (r >= 0 || e->kind != JOB_ERR_INVALID || strcmp(e->field, field) != 0 ||
	    !strstr(e->message, substr))
		fail_msg("%s: r=%d kind=%d field \"%s\" (want \"%s\") message \"%s\" (want \"%s\")",
			 what, r, (int)e->kind, e->field, field, e->message, substr);
}

static void test_job_error_set(void **st)
{
	struct job_error e;
	struct rpc_error re;
	char longf[200];
	(void)st;
	assert_int_equal(job_error_set(&e, JOB_ERR_LIMIT, "rate_pps", "x=%d %s", 42, "y"), -EINVAL);
	assert_int_equal(e.kind, JOB_ERR_LIMIT);
	assert_string_equal(e.field, "rate_pps");
	assert_string_equal(e.message, "x=42 y");
	memset(longf, 'f', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	assert_int_equal(job_error_set(&e, JOB_ERR_INVALID, longf, "%s", longf), -EINVAL);
	assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
	assert_int_equal(strlen(e.message), sizeof(longf) - 1);
	assert_int_equal(job_error_set(&e, JOB_ERR_INTERNAL, NULL, "m"), -EINVAL);
	assert_string_equal(e.field, "");
	assert_int_equal(job_error_set(NULL, JOB_ERR_INTERNAL, "f", "m"), -EINVAL);
	/* the API's one mapping of kinds to JSON-RPC codes (docs/protocol.md) */
	assert_int_equal(rpc_code_of(JOB_ERR_INVALID), RPC_INVALID_PARAMS);
	assert_int_equal(rpc_code_of(JOB_ERR_CONFLICT), RPC_BUSY);
	assert_int_equal(rpc_code_of(JOB_ERR_LIMIT), RPC_BUSY);
	assert_int_equal(rpc_code_of(JOB_ERR_NOT_FOUND), RPC_NOT_FOUND);
	assert_int_equal(rpc_code_of(JOB_ERR_PERMISSION), RPC_PERMISSION);
	assert_int_equal(rpc_code_of(JOB_ERR_INTERNAL), RPC_INTERNAL);
	job_error_set(&e, JOB_ERR_NOT_FOUND, "job_id", "no job");
	assert_int_equal(rpc_error_from_job(&re, &e), -EINVAL);
	assert_int_equal(re.code, RPC_NOT_FOUND);
	assert_string_equal(re.field, "job_id");
	assert_string_equal(re.message, "no job");
	assert_int_equal(rpc_error_set(&re, RPC_METHOD_NOT_FOUND, "method", "m=%d", 7), -EINVAL);
	assert_int_equal(re.code, RPC_METHOD_NOT_FOUND);
	assert_string_equal(re.message, "m=7");
}

static void test_full_spec(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	struct ipaddr ip;
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0xab };
	(void)st;
	two_nics(&cfg);
	int r = decode("{\"targets\": [\"198.18.1.0/24\", \"198.18.2.7\", \"2001:db8::/120\"],"
		       " \"ports\": \"22,80,443,8000-8010\", \"probe\": \"tcp_syn\", \"rate_pps\": 100000,"
		       " \"adaptive\": false, \"shard\": {\"index\": 2, \"count\": 5}, \"seed\": 12345,"
		       " \"nics\": [\"sc1\"], \"engine\": \"af_packet\", \"source_ip\": \"198.18.0.100\","
		       " \"source_ports\": \"41000-41007\", \"gateway_mac\": \"02:00:00:00:00:AB\","
		       " \"blocklist\": [\"198.18.1.128/25\", \"2001:db8::80/121\"], \"cooldown_s\": 0,"
		       " \"name\": \"weekly-22-80\"}",
		       &cfg, &s, &e);
	if (r)
		fail_msg("%s: %s", e.field, e.message);
	assert_int_equal(s.ntargets, 3);
	assert_string_equal(s.targets[0], "198.18.1.0/24");
	assert_string_equal(s.targets[2], "2001:db8::/120");
	assert_string_equal(s.ports, "22,80,443,8000-8010");
	assert_string_equal(s.probe.args.mod->name, "tcp_syn");
	assert_int_equal(s.rate_pps, 100000);
	assert_false(s.adaptive);
	assert_int_equal(s.shard_index, 2);
	assert_int_equal(s.shard_count, 5);
	assert_int_equal(s.seed, 12345);
	assert_int_equal(s.nnics, 1);
	assert_string_equal(s.nics[0], "sc1");
	assert_true(s.has_engine);
	assert_int_equal(s.engine, ENGINE_AF_PACKET);
	assert_true(s.has_source_ip);
	ipaddr_parse("198.18.0.100", &ip);
	assert_int_equal(s.source_ip.af, AF_INET);
	assert_true(s.source_ip.v == ip.v);
	assert_int_equal(s.sport_lo, 41000);
	assert_int_equal(s.sport_n, 8);
	assert_true(s.has_gateway_mac);
	assert_memory_equal(s.gateway_mac, mac, 6);
	assert_int_equal(s.nblocklist, 2);
	assert_string_equal(s.blocklist[1], "2001:db8::80/121");
	assert_int_equal(s.cooldown_s, 0);
	assert_string_equal(s.name, "weekly-22-80");
	jobspec_free(&s);
	assert_null(s.targets);
}

static void test_defaults(void **st)
{
	struct config cfg;
	struct job_spec s, s2;
	struct job_error e;
	(void)st;
	two_nics(&cfg);
	assert_int_equal(decode("{}", &cfg, &s, &e), 0);
	assert_string_equal(s.probe.args.mod->name, "tcp_syn");
	assert_int_equal(s.rate_pps, 10000);
	assert_true(s.adaptive);
	assert_int_equal(s.shard_index, 0);
	assert_int_equal(s.shard_count, 1);
	assert_int_equal(s.nnics, 2);
	assert_string_equal(s.nics[0], "sc0");
	assert_string_equal(s.nics[1], "sc1");
	assert_false(s.has_engine);
	assert_false(s.has_source_ip);
	assert_false(s.has_gateway_mac);
	assert_int_equal(s.sport_lo, 61000);
	assert_int_equal(s.sport_n, 64);
	assert_int_equal(s.nblocklist, 0);
	assert_int_equal(s.cooldown_s, 8);
	assert_string_equal(s.name, "");
	/* the seed is random: two submissions differ (2^-64 chance of a false failure) */
	assert_int_equal(decode("{}", &cfg, &s2, &e), 0);
	assert_true(s.seed != s2.seed);
	jobspec_free(&s);
	jobspec_free(&s2);

	/* defaults that come from the config */
	cfg.adaptive = false;
	cfg.has_shard = true;
	cfg.shard_index = 3;
	cfg.shard_count = 4;
	cfg.cooldown_s = 30;
	cfg.source_port_lo = 50000;
	cfg.source_port_n = 16;
	cfg.max_pps = 5000;
	assert_int_equal(decode("{}", &cfg, &s, &e), 0);
	assert_false(s.adaptive);
	assert_int_equal(s.shard_index, 3);
	assert_int_equal(s.shard_count, 4);
	assert_int_equal(s.cooldown_s, 30);
	assert_int_equal(s.sport_lo, 50000);
	assert_int_equal(s.sport_n, 16);
	assert_int_equal(s.rate_pps, 5000); /* 10000 capped by max_pps */
	jobspec_free(&s);
	/* the job's own values override the config */
	assert_int_equal(decode("{\"adaptive\": true, \"shard\": \"1/2\", \"rate_pps\": 5000}", &cfg, &s, &e), 0);
	assert_true(s.adaptive);
	assert_int_equal(s.shard_index, 1);
	assert_int_equal(s.shard_count, 2);
	assert_int_equal(s.rate_pps, 5000);
	jobspec_free(&s);
	expect_error(decode("{\"rate_pps\": 5001}", &cfg, &s, &e), &e, "rate_pps", "exceeds [rate] max_pps = 5000",
		     "rate above max_pps");
}

/* The other accepted spellings: one target string, a numeric port, "I/N"
 * shards, 64-bit seeds as strings, one NIC as a string, IPv6 source. */
static void test_alternate_forms(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	(void)st;
	two_nics(&cfg);
	assert_int_equal(decode("{\"targets\": \"198.18.1.0/24 198.18.2.1\", \"ports\": 443,"
				" \"shard\": \"7/8\", \"seed\": \"18446744073709551615\", \"nics\": \"sc0\","
				" \"source_ip\": \"2001:db8::100\", \"source_ports\": \"40000\"}",
				&cfg, &s, &e), 0);
	assert_int_equal(s.ntargets, 1);
	assert_string_equal(s.targets[0], "198.18.1.0/24 198.18.2.1");
	assert_string_equal(s.ports, "443");
	assert_int_equal(s.shard_index, 7);
	assert_int_equal(s.shard_count, 8);
	assert_true(s.seed == UINT64_MAX);
	assert_int_equal(s.nnics, 1);
	assert_int_equal(s.source_ip.af, AF_INET6);
	assert_int_equal(s.sport_lo, 40000);
	assert_int_equal(s.sport_n, 1);
	jobspec_free(&s);
	/* limits: largest exact JSON seed, largest shard, rate bounds */
	assert_int_equal(decode("{\"seed\": 9007199254740991, \"shard\": {\"index\": 65535, \"count\": 65536},"
				" \"rate_pps\": 1000000000, \"cooldown_s\": 3600, \"ports\": 65535}",
				&cfg, &s, &e), 0);
	assert_true(s.seed == 9007199254740991ull);
	assert_int_equal(s.shard_index, 65535);
	assert_int_equal(s.shard_count, 65536);
	assert_int_equal(s.rate_pps, 1000000000);
	assert_int_equal(s.cooldown_s, 3600);
	jobspec_free(&s);
	assert_int_equal(decode("{\"rate_pps\": 1, \"seed\": 0, \"name\": \"n\\u00e4me ok\"}", &cfg, &s, &e), 0);
	assert_int_equal(s.rate_pps, 1);
	assert_int_equal(s.seed, 0);
	jobspec_free(&s);
}

/* Missing, a FIFO nobody writes (must not block), a device, a directory and a
 * symlink to a good file: all refused at once, with one text that says
 * nothing about which it was. */
static void test_targets_file_kinds(struct config *cfg)
{
	char dir[] = "/tmp/scand-test-kinds-XXXXXX", p[5][128], over[256], first[448] = "";
	static const char *const names[] = { "missing", "fifo", "dev", "dir", "link" };
	struct job_spec s;
	struct job_error e;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 5; i++)
		snprintf(p[i], sizeof(p[i]), "%s/%s", dir, names[i]);
	assert_int_equal(mkfifo(p[1], 0600), 0);
	snprintf(p[2], sizeof(p[2]), "/dev/zero");
	assert_int_equal(mkdir(p[3], 0700), 0);
	snprintf(over, sizeof(over), "%s/good", dir);
	FILE *f = fopen(over, "w");
	fputs("198.18.1.1\n", f);
	fclose(f);
	assert_int_equal(symlink(over, p[4]), 0);
	cfg->max_targets_len = 1 << 20;
	for (int i = 0; i < 5; i++) {
		snprintf(over, sizeof(over), "{\"targets_file\": \"%s\"}", p[i]);
		expect_error(decode(over, cfg, &s, &e), &e, "targets_file", "must name an existing regular file",
			     names[i]);
		char *text = strstr(e.message, ": it must"); /* the same after the path */
		if (i == 0)
			snprintf(first, sizeof(first), "%s", text);
		assert_string_equal(text, first);
	}
	snprintf(over, sizeof(over), "rm -rf %s", dir);
	assert_int_equal(system(over), 0);
}

/* targets_file: lines appended to targets; a bad line is named by number
 * only (the daemon reads the file as root; its text must not leak). */
static void test_targets_file(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	char path[] = "/tmp/scand-test-targets-XXXXXX", over[128];
	FILE *f;
	(void)st;
	two_nics(&cfg);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(over, sizeof(over), "{\"targets\": \"198.18.9.9\", \"targets_file\": \"%s\"}", path);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("# scan list\n198.18.1.0/24\n\n  198.18.2.7   # web\r\n2001:db8::/120\n", f);
	fclose(f);
	assert_int_equal(decode(over, &cfg, &s, &e), 0);
	assert_int_equal(s.ntargets, 4);
	assert_string_equal(s.targets[0], "198.18.9.9");
	assert_string_equal(s.targets[1], "198.18.1.0/24");
	assert_string_equal(s.targets[2], "198.18.2.7");
	assert_string_equal(s.targets[3], "2001:db8::/120");
	jobspec_free(&s);

	assert_non_null(f = fopen(path, "w"));
	fputs("198.18.1.1\nroot:$6$secrethash:19000\n", f);
	fclose(f);
	expect_error(decode(over, &cfg, &s, &e), &e, "targets_file", "entry 2 (counting non-blank lines)",
		     "bad line");
	assert_null(strstr(e.message, "secret"));

	assert_non_null(f = fopen(path, "w"));
	fputs("# nothing\n\n", f);
	fclose(f);
	expect_error(decode(over, &cfg, &s, &e), &e, "targets_file", "lists no targets", "empty file");
	cfg.max_targets_len = 4;
	expect_error(decode(over, &cfg, &s, &e), &e, "targets_file", "max_targets_len", "file too large");
	unlink(path);
	test_targets_file_kinds(&cfg);
}

struct bad_case {
	const char *over, *field, *substr;
};

static const struct bad_case bad[] = {
	{ "{\"targets\": \"$drop\"}", "targets", "targets is required" },
	{ "{\"ports\": \"$drop\"}", "ports", "ports is required" },
	{ "{\"targets\": 5}", "targets", "targets must be an array of strings, got number" },
	{ "{\"targets\": {}}", "targets", "got object" },
	{ "{\"targets\": []}", "targets", "targets is empty" },
	{ "{\"targets\": [\"198.18.1.1\", 7]}", "targets", "targets[1] must be a non-empty string, got number" },
	{ "{\"targets\": [\"\"]}", "targets", "targets[0] must be a non-empty string, got \"\"" },
	{ "{\"targets\": \"\"}", "targets", "empty string" },
	{ "{\"ports\": [80]}", "ports", "ports must be a string like" },
	{ "{\"ports\": null}", "ports", "got null" },
	{ "{\"ports\": 0}", "ports", "between 1 and 65535, got 0" },
	{ "{\"ports\": 65536}", "ports", "between 1 and 65535, got 65536" },
	{ "{\"ports\": 80.5}", "ports", "whole number" },
	{ "{\"ports\": \"0\"}", "ports", "port 0" },
	{ "{\"ports\": \"65536\"}", "ports", "65536" },
	{ "{\"ports\": \"80-22\"}", "ports", "22-80" },
	{ "{\"ports\": \"\"}", "ports", "empty" },
	{ "{\"ports\": \"22,,80\"}", "ports", "empty" },
	{ "{\"ports\": \"http\"}", "ports", "http" },
	{ "{\"probe\": \"ntp\"}", "probe", "unknown probe module \"ntp\"; scand has tcp_syn, icmp_echo, udp" },
	{ "{\"probe\": 1}", "probe", "probe must be a module name or {\"module\": NAME, ...}" },
	{ "{\"probe\": {\"module\": 5}}", "probe.module", "probe must be a module name" },
	{ "{\"probe\": {\"module\": \"dns\"}}", "probe.module", "unknown probe module \"dns\"" },
	{ "{\"probe\": {\"options\": \"solaris\"}}", "probe.options", "not a tcp_syn option set; use smallest-probes" },
	{ "{\"probe\": {\"module\": \"tcp_syn\", \"options\": 5}}", "probe.options", "probe.options must be a string" },
	{ "{\"probe\": {\"module\": \"tcp_syn\", \"payload\": \"text:x\"}}", "probe.payload",
	  "probe module tcp_syn has no field \"payload\"; its fields: options" },
	{ "{\"probe\": {\"module\": \"icmp_echo\", \"options\": \"bsd\"}, \"ports\": \"$drop\"}", "probe.options",
	  "probe module icmp_echo has no field \"options\"; its fields: none" },
	{ "{\"probe\": \"icmp_echo\"}", "ports", "the icmp_echo probe sends one probe per host and takes no ports; drop \"ports\"" },
	{ "{\"probe\": \"udp\"}", "probe", "takes the default set, [scan] udp_payloads: cannot read the UDP payload file" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"base64:AAAA\"}}", "probe.payload", "is not a payload; write text:STRING" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"hex:0g\"}}", "probe.payload", "hex: takes pairs of hex digits" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"hex:123\"}}", "probe.payload", "hex: takes pairs of hex digits" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"file:/etc/passwd\"}}", "probe.payload", "file: is read on the client's side" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"template:${FOO}\"}}", "probe.payload", "unknown template field ${FOO}; fields: SADDR" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"template:${RAND_BYTE}\"}}", "probe.payload", "${RAND_BYTE=n} needs a length n from 1 to 450" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"template:${RAND_BYTE=451}\"}}", "probe.payload", "needs a length n from 1 to 450" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"template:${DPORT=2}\"}}", "probe.payload", "${DPORT} takes no =n" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"text:\\\\q\"}}", "probe.payload", "unknown escape \\q" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"text:\\\\x4\"}}", "probe.payload", "\\x needs two hex digits" },
	{ "{\"probe\": {\"module\": \"udp\", \"payload\": \"text:a\", \"payloads\": \"53 text:b\"}}", "probe.payloads",
	  "give payload (one for every port) or payloads (per port), not both" },
	{ "{\"probe\": {\"module\": \"udp\", \"payloads\": \"53 text:a\\n53 text:b\"}}", "probe.payloads",
	  "probe.payloads:2: port 53 already has a payload (line 1)" },
	{ "{\"probe\": {\"module\": \"udp\", \"payloads\": \"# dns\\n\\n53\"}}", "probe.payloads", "probe.payloads:3: a rule is PORTS FORM:VALUE" },
	{ "{\"probe\": {\"module\": \"udp\", \"payloads\": \"99999 text:a\"}}", "probe.payloads", "probe.payloads:1: ports \"99999\"" },
	{ "{\"probe\": {\"module\": \"udp\", \"payloads\": \"* text:a\\n* text:b\"}}", "probe.payloads", "a second \"*\" rule" },
	{ "{\"probe\": {\"module\": \"udp\", \"payloads\": \"53 gzip:xx\"}}", "probe.payloads", "\"gzip:xx\" is not a payload" },
	{ "{\"record\": \"open\"}", "record", "record must be a non-empty array of statuses, e.g. [\"open\"]; tcp_syn rows are open, closed" },
	{ "{\"record\": []}", "record", "non-empty array" },
	{ "{\"record\": [\"open\", \"up\"]}", "record[1]", "record[1] must be a status of tcp_syn rows: open, closed" },
	{ "{\"record\": [1]}", "record[0]", "must be a status of tcp_syn rows" },
	{ "{\"probe\": \"icmp_echo\", \"ports\": \"$drop\", \"record\": [\"closed\"]}", "record[0]",
	  "must be a status of icmp_echo rows: up, unreachable" },
	{ "{\"rate_pps\": \"fast\"}", "rate_pps", "rate_pps must be an integer, got string" },
	{ "{\"rate_pps\": true}", "rate_pps", "rate_pps must be an integer, got boolean" },
	{ "{\"rate_pps\": -5}", "rate_pps", "between 1 and 1000000000, got -5" },
	{ "{\"rate_pps\": 0}", "rate_pps", "between 1 and 1000000000, got 0" },
	{ "{\"rate_pps\": 1.5}", "rate_pps", "rate_pps must be a whole number, got 1.5" },
	{ "{\"rate_pps\": 1000000001}", "rate_pps", "got 1000000001" },
	{ "{\"rate_pps\": 1e300}", "rate_pps", "between 1 and 1000000000" },
	{ "{\"rate_pps\": 1e999}", "rate_pps", "whole number" },
	{ "{\"adaptive\": \"yes\"}", "adaptive", "adaptive must be true or false, got string" },
	{ "{\"adaptive\": 1}", "adaptive", "got number" },
	{ "{\"shard\": {\"index\": 3, \"count\": 3}}", "shard.index", "must be less than the count 3" },
	{ "{\"shard\": {\"index\": 0, \"count\": 0}}", "shard.count", "between 1 and 65536, got 0" },
	{ "{\"shard\": {\"index\": 0, \"count\": 65537}}", "shard.count", "between 1 and 65536" },
	{ "{\"shard\": {\"index\": -1, \"count\": 2}}", "shard.index", "got -1" },
	{ "{\"shard\": {\"index\": 0.5, \"count\": 2}}", "shard.index", "whole number" },
	{ "{\"shard\": {\"index\": \"0\", \"count\": 2}}", "shard.index", "must be an integer, got string" },
	{ "{\"shard\": {\"index\": 0}}", "shard.count", "shard.count is required" },
	{ "{\"shard\": {\"index\": 0, \"count\": 2, \"of\": 1}}", "shard", "unknown field \"shard.of\"" },
	{ "{\"shard\": [0, 1]}", "shard", "got array" },
	{ "{\"shard\": \"1/0\"}", "shard.count", "between 1 and 65536, got 0" },
	{ "{\"shard\": \"3/3\"}", "shard.index", "less than the count 3" },
	{ "{\"shard\": \"0/0\"}", "shard.count", "got 0" },
	{ "{\"shard\": \"a/b\"}", "shard", "INDEX/COUNT" },
	{ "{\"shard\": \"1/2x\"}", "shard", "INDEX/COUNT" },
	{ "{\"shard\": \"-1/2\"}", "shard", "INDEX/COUNT" },
	{ "{\"shard\": \"1/-2\"}", "shard", "INDEX/COUNT" },
	{ "{\"shard\": \"99999999999999999999/2\"}", "shard", "INDEX/COUNT" },
	{ "{\"seed\": -1}", "seed", "got -1" },
	{ "{\"seed\": 1.5}", "seed", "whole number" },
	{ "{\"seed\": 9007199254740992}", "seed", "pass it as a decimal string" },
	{ "{\"seed\": true}", "seed", "got boolean" },
	{ "{\"seed\": \"abc\"}", "seed", "decimal integer" },
	{ "{\"seed\": \"-1\"}", "seed", "decimal integer" },
	{ "{\"seed\": \"\"}", "seed", "decimal integer" },
	{ "{\"seed\": \"18446744073709551616\"}", "seed", "decimal integer" },
	{ "{\"nics\": 3}", "nics", "nics must be an array of strings, got number" },
	{ "{\"nics\": []}", "nics", "nics is empty; omit it to use every NIC (sc0, sc1)" },
	{ "{\"nics\": [1]}", "nics", "nics[0] must be a non-empty string" },
	{ "{\"nics\": [\"sc0\", \"eth9\"]}", "nics[1]", "nics[1]: no NIC \"eth9\" configured; configured: sc0, sc1" },
	{ "{\"nics\": [\"sc0\", \"sc0\"]}", "nics[1]", "NIC \"sc0\" is listed twice" },
	{ "{\"engine\": \"pfring\"}", "engine", "unknown engine \"pfring\"; use af_xdp, dpdk, af_packet or null" },
	{ "{\"engine\": \"dpdk\"}", "engine", "NIC sc0 runs the af_packet engine, not dpdk" },
	{ "{\"engine\": 5}", "engine", "engine must be a string, got number" },
	{ "{\"source_ip\": \"1.2.3\"}", "source_ip", "\"1.2.3\" is not an IPv4 or IPv6 address" },
	{ "{\"source_ip\": \"198.18.0.100\"}", "source_ip", "only valid for a job on one NIC (this job uses 2)" },
	{ "{\"source_ip\": 5}", "source_ip", "source_ip must be a string, got number" },
	{ "{\"source_ports\": \"50000-40000\"}", "source_ports", "FIRST-LAST" },
	{ "{\"source_ports\": \"0-10\"}", "source_ports", "FIRST-LAST" },
	{ "{\"source_ports\": \"40000-70000\"}", "source_ports", "FIRST-LAST" },
	{ "{\"source_ports\": \"40000-40063x\"}", "source_ports", "FIRST-LAST" },
	{ "{\"source_ports\": \"0000000000001-2x\"}", "source_ports", "FIRST-LAST" },
	{ "{\"source_ports\": 40000}", "source_ports", "source_ports must be a string, got number" },
	{ "{\"gateway_mac\": \"02:00:00\"}", "gateway_mac", "like 02:00:00:00:00:02" },
	{ "{\"gateway_mac\": \"zz:00:00:00:00:02\"}", "gateway_mac", "like 02:00:00:00:00:02" },
	{ "{\"gateway_mac\": \"02:00:00:00:00:02:03\"}", "gateway_mac", "like 02:00:00:00:00:02" },
	{ "{\"gateway_mac\": []}", "gateway_mac", "got array" },
	{ "{\"blocklist\": 5}", "blocklist", "blocklist must be an array of strings, got number" },
	{ "{\"blocklist\": [\"10.0.0.0/40\"]}", "blocklist[0]", "blocklist[0]: " },
	{ "{\"blocklist\": [\"198.18.0.0/16\", \"nope\"]}", "blocklist[1]", "\"nope\"" },
	{ "{\"blocklist\": [null]}", "blocklist", "blocklist[0] must be a non-empty string, got null" },
	{ "{\"cooldown_s\": 99999}", "cooldown_s", "between 0 and 3600, got 99999" },
	{ "{\"cooldown_s\": -1}", "cooldown_s", "got -1" },
	{ "{\"cooldown_s\": \"8\"}", "cooldown_s", "must be an integer, got string" },
	{ "{\"name\": \"a\\nb\"}", "name", "control characters" },
	{ "{\"name\": \"a\\u007fb\"}", "name", "control characters" },
	{ "{\"name\": 7}", "name", "name must be a string, got number" },
	{ "{\"colour\": \"red\"}", "colour", "unknown field \"colour\"; known: targets, ports, probe" },
	{ "{\"Targets\": [\"198.18.1.1\"]}", "Targets", "unknown field" },
	{ "{\"targets_file\": 5}", "targets_file", "path string" },
	{ "{\"targets_file\": \"/nonexistent/scand-test\"}", "targets_file", "must name an existing regular file" },
};

static void test_bad_fields(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	(void)st;
	two_nics(&cfg);
	assert_true(ARRAY_SIZE(bad) >= 30);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&s, 0x5a, sizeof(s));
		int r = decode(bad[i].over, &cfg, &s, &e);
		expect_error(r, &e, bad[i].field, bad[i].substr, bad[i].over);
		assert_int_equal(r, -EINVAL);
		/* a failed decode frees what it took (LeakSanitizer checks) and leaves s empty */
		assert_null(s.targets);
		assert_null(s.ports);
		assert_null(s.blocklist);
	}
	/* a name of 127 characters is fine, 128 is one too many */
	char over[200] = "{\"name\": \"";
	memset(over + strlen(over), 'x', 127);
	strcat(over, "\"}");
	assert_int_equal(decode(over, &cfg, &s, &e), 0);
	assert_int_equal(strlen(s.name), 127);
	jobspec_free(&s);
	memmove(over + 11, over + 10, strlen(over + 10) + 1); /* one more x */
	expect_error(decode(over, &cfg, &s, &e), &e, "name", "name is longer than 127 characters", "name 128");
}

/* A udp "payload" of n bytes, as hex. */
static char *hex_payload_over(size_t n)
{
	static const char head[] = "{\"probe\": {\"module\": \"udp\", \"payload\": \"hex:";
	char *o = calloc(1, sizeof(head) + 2 * n + 8);
	if (!o)
		abort();
	memcpy(o, head, sizeof(head) - 1);
	memset(o + sizeof(head) - 1, '7', 2 * n);
	memcpy(o + sizeof(head) - 1 + 2 * n, "\"}}", 4);
	return o;
}

/* Probe fields that need generated input or a file. */
static void test_probe_context(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	char *over;
	(void)st;
	two_nics(&cfg);
	over = hex_payload_over(451); /* one byte more than a frame holds */
	expect_error(decode(over, &cfg, &s, &e), &e, "probe.payload", "payload is longer than 450 bytes", "451 bytes");
	free(over);
	over = hex_payload_over(450);
	assert_int_equal(decode(over, &cfg, &s, &e), 0);
	assert_int_equal(s.probe.args.payloads->p[0].len, 450);
	jobspec_free(&s);
	free(over);
	/* a template whose longest expansion (IPv6 addresses) is too long */
	expect_error(decode("{\"probe\": {\"module\": \"udp\", \"payload\": \"template:${RAND_BYTE=420}${DADDR}\"}}",
			    &cfg, &s, &e), &e, "probe.payload", "the template expands to up to 459 bytes", "template too long");

	/* udp without a payload takes [scan] udp_payloads: the shipped default set */
	snprintf(cfg.udp_payloads, sizeof(cfg.udp_payloads), "%s/config/udp-payloads.conf", getenv("SRCDIR"));
	assert_int_equal(decode("{\"probe\": \"udp\", \"ports\": \"53,123,161\"}", &cfg, &s, &e), 0);
	assert_non_null(s.probe.args.payloads);
	assert_true(s.probe.args.payloads->nrules >= 6);
	jobspec_free(&s);
	/* a broken default file names itself and the line */
	char path[] = "/tmp/scand-test-payloads-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "53 hex:00\n123 nonsense\n", 23), 23);
	close(fd);
	snprintf(cfg.udp_payloads, sizeof(cfg.udp_payloads), "%s", path);
	expect_error(decode("{\"probe\": \"udp\"}", &cfg, &s, &e), &e, "probe", ":2: \"nonsense\" is not a payload", "bad default");
	unlink(path);
}

/* Stored specs: every module's fields come back; the legacy string form of
 * tcp_syn keeps the option set scand sent before option sets existed. */
static void test_probe_stored(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	cJSON *j;
	(void)st;
	two_nics(&cfg);
	j = spec_json("{\"probe\": \"tcp_syn\"}");
	assert_int_equal(jobspec_from_stored(j, &cfg, &s, &e), 0);
	assert_int_equal(s.probe.args.tcp_options, TCP_LINUX);
	jobspec_free(&s);
	assert_int_equal(jobspec_from_json(j, &cfg, &s, &e), 0);
	assert_int_equal(s.probe.args.tcp_options, TCP_SMALLEST); /* a new job: the default */
	jobspec_free(&s);
	cJSON_Delete(j);

	/* icmp_echo: no ports stored; record kept */
	assert_int_equal(decode("{\"probe\": {\"module\": \"icmp_echo\"}, \"ports\": \"$drop\", \"record\": [\"up\"]}",
				&cfg, &s, &e), 0);
	j = jobspec_to_json(&s);
	assert_null(cJSON_GetObjectItem(j, "ports"));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "probe"), "module")->valuestring, "icmp_echo");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "record")), 1);
	assert_true(jobprobe_keeps(&s.probe, REPLY_UP));
	assert_false(jobprobe_keeps(&s.probe, REPLY_UNREACHABLE));
	cJSON_Delete(j);
	jobspec_free(&s);
}

/* Errors that depend on the config or need generated input. */
static void test_bad_context(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	cJSON *j;
	(void)st;
	two_nics(&cfg);
	cfg.nics[1].engine = ENGINE_AF_XDP;
	expect_error(decode("{\"engine\": \"af_xdp\"}", &cfg, &s, &e), &e, "engine",
		     "NIC sc0 runs the af_packet engine, not af_xdp", "mixed engines, all NICs");
	assert_int_equal(decode("{\"engine\": \"af_xdp\", \"nics\": [\"sc1\"]}", &cfg, &s, &e), 0);
	assert_true(s.has_engine && s.engine == ENGINE_AF_XDP);
	jobspec_free(&s);

	cfg.nnics = 0;
	expect_error(decode("{}", &cfg, &s, &e), &e, "nics", "no NICs configured", "no NICs");

	j = cJSON_Parse("[1]");
	expect_error(jobspec_from_json(j, &cfg, &s, &e), &e, "params", "params must be an object", "array");
	cJSON_Delete(j);
	expect_error(jobspec_from_json(NULL, &cfg, &s, &e), &e, "params", "got null", "NULL");

	two_nics(&cfg);
	j = spec_json("{}");
	cJSON *bl = cJSON_AddArrayToObject(j, "blocklist");
	for (int i = 0; i <= JOBSPEC_MAX_BLOCKLIST; i++)
		cJSON_AddItemToArray(bl, cJSON_CreateString("198.18.200.0/24"));
	expect_error(jobspec_from_json(j, &cfg, &s, &e), &e, "blocklist", "has 1025 entries; at most 1024",
		     "blocklist too long");
	cJSON_DeleteItemFromArray(bl, 0);
	assert_int_equal(jobspec_from_json(j, &cfg, &s, &e), 0);
	assert_int_equal(s.nblocklist, JOBSPEC_MAX_BLOCKLIST);
	jobspec_free(&s);
	cJSON_Delete(j);
}

static void assert_spec_equal(const struct job_spec *a, const struct job_spec *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->ntargets, b->ntargets);
	for (size_t i = 0; i < a->ntargets; i++)
		assert_string_equal(a->targets[i], b->targets[i]);
	assert_true((!a->ports && !b->ports) || !strcmp(a->ports, b->ports));
	assert_ptr_equal(a->probe.args.mod, b->probe.args.mod);
	assert_int_equal(a->probe.args.tcp_options, b->probe.args.tcp_options);
	assert_int_equal(a->probe.record, b->probe.record);
	assert_true(a->rate_pps == b->rate_pps);
	assert_int_equal(a->adaptive, b->adaptive);
	assert_int_equal(a->shard_index, b->shard_index);
	assert_int_equal(a->shard_count, b->shard_count);
	assert_true(a->seed == b->seed);
	assert_int_equal(a->nnics, b->nnics);
	for (unsigned i = 0; i < a->nnics; i++)
		assert_string_equal(a->nics[i], b->nics[i]);
	assert_int_equal(a->has_engine, b->has_engine);
	if (a->has_engine)
		assert_int_equal(a->engine, b->engine);
	assert_int_equal(a->has_source_ip, b->has_source_ip);
	if (a->has_source_ip) {
		assert_int_equal(a->source_ip.af, b->source_ip.af);
		assert_true(a->source_ip.v == b->source_ip.v);
	}
	assert_int_equal(a->sport_lo, b->sport_lo);
	assert_int_equal(a->sport_n, b->sport_n);
	assert_int_equal(a->has_gateway_mac, b->has_gateway_mac);
	if (a->has_gateway_mac)
		assert_memory_equal(a->gateway_mac, b->gateway_mac, 6);
	assert_int_equal(a->nblocklist, b->nblocklist);
	for (size_t i = 0; i < a->nblocklist; i++)
		assert_string_equal(a->blocklist[i], b->blocklist[i]);
	assert_int_equal(a->cooldown_s, b->cooldown_s);
}

/* to_json then from_json (through text, as spec.json is) gives the same spec. */
static void round_trip(const char *over, const struct config *cfg)
{
	struct job_spec a, b;
	struct job_error e;
	assert_int_equal(decode(over, cfg, &a, &e), 0);
	cJSON *j = jobspec_to_json(&a);
	char *text = cJSON_PrintUnformatted(j);
	cJSON *back = cJSON_Parse(text);
	if (jobspec_from_json(back, cfg, &b, &e) < 0)
		fail_msg("round trip of %s: %s: %s", text, e.field, e.message);
	assert_spec_equal(&a, &b);
	cJSON *j2 = jobspec_to_json(&b);
	char *text2 = cJSON_PrintUnformatted(j2);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	cJSON_Delete(j);
	cJSON_Delete(j2);
	cJSON_Delete(back);
	jobspec_free(&a);
	jobspec_free(&b);
}

static void test_round_trip(void **st)
{
	struct config cfg;
	struct job_spec s;
	struct job_error e;
	(void)st;
	two_nics(&cfg);
	round_trip("{}", &cfg);
	round_trip("{\"targets\": [\"198.18.1.0/24\", \"2001:db8::/120\"], \"ports\": 22, \"rate_pps\": 123456,"
		   " \"adaptive\": false, \"shard\": \"3/7\", \"seed\": \"18446744073709551557\","
		   " \"nics\": [\"sc1\"], \"engine\": \"af_packet\", \"source_ip\": \"2001:db8::1\","
		   " \"source_ports\": \"41000-41999\", \"gateway_mac\": \"02:ab:cd:ef:00:01\","
		   " \"blocklist\": [\"198.18.1.0/28\"], \"cooldown_s\": 0, \"name\": \"r\\u00e9sum\\u00e9 \\\"q\\\"\"}",
		   &cfg);
	/* client_key (with the digest of the submitted request) and labels */
	round_trip("{\"client_key\": \"weekly-48/host3\", \"labels\": {\"team\": \"red\", \"q\": \"a\\\"b\\\\c\\nd\"}}", &cfg);
	/* probe modules with their fields, and the output filter */
	round_trip("{\"probe\": {\"module\": \"tcp_syn\", \"options\": \"bsd\"}, \"record\": [\"open\"]}", &cfg);
	round_trip("{\"probe\": \"icmp_echo\", \"ports\": \"$drop\", \"record\": [\"up\", \"unreachable\"]}", &cfg);
	round_trip("{\"probe\": {\"module\": \"udp\", \"payload\": \"text:hi\\\\r\\\\n\"}, \"record\": [\"open\", \"closed\"]}", &cfg);
	round_trip("{\"probe\": {\"module\": \"udp\", \"payloads\": \"53,5353 hex:00 01\\n* template:${DADDR}:${DPORT} \\\\x00\\\\\\\\\\n\"}}", &cfg);

	/* the stored form: defaults resolved, seed as a string, shard an object,
	 * optional fields only when set */
	assert_int_equal(decode("{\"seed\": \"18446744073709551557\", \"shard\": \"1/2\"}", &cfg, &s, &e), 0);
	cJSON *j = jobspec_to_json(&s);
	assert_string_equal(cJSON_GetObjectItem(j, "seed")->valuestring, "18446744073709551557");
	cJSON *sh = cJSON_GetObjectItem(j, "shard");
	assert_true(cJSON_IsObject(sh));
	assert_int_equal(cJSON_GetObjectItem(sh, "index")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(sh, "count")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(j, "rate_pps")->valuedouble, 10000);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "nics")), 2);
	assert_string_equal(cJSON_GetObjectItem(j, "source_ports")->valuestring, "61000-61063");
	assert_int_equal(cJSON_GetObjectItem(j, "cooldown_s")->valueint, 8);
	assert_null(cJSON_GetObjectItem(j, "engine"));
	assert_null(cJSON_GetObjectItem(j, "source_ip"));
	assert_null(cJSON_GetObjectItem(j, "gateway_mac"));
	cJSON_Delete(j);
	jobspec_free(&s);
}

struct space_env {
	struct config cfg;
	struct cidr_list block, allow;
};

static void env_init(struct space_env *v, const char *block, const char *allow)
{
	char buf[256], *save = NULL;
	two_nics(&v->cfg);
	cidr_list_init(&v->block);
	cidr_list_init(&v->allow);
	snprintf(buf, sizeof(buf), "%s", block);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		assert_int_equal(cidr_list_add(&v->block, t, NULL), 0);
	snprintf(buf, sizeof(buf), "%s", allow);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		assert_int_equal(cidr_list_add(&v->allow, t, NULL), 0);
	snprintf(v->cfg.allow, sizeof(v->cfg.allow), "%s", allow);
	cidr_list_normalize(&v->block);
	cidr_list_normalize(&v->allow);
}

static void env_free(struct space_env *v)
{
	cidr_list_free(&v->block);
	cidr_list_free(&v->allow);
}

static int build(struct space_env *v, const char *over, struct space *sp, struct job_error *e)
{
	struct job_spec s;
	int r = decode(over, &v->cfg, &s, e);
	if (r < 0)
		fail_msg("decode %s: %s: %s", over, e->field, e->message);
	r = jobspec_build_space(&s, &v->cfg, &v->block, &v->allow, sp, e);
	jobspec_free(&s);
	return r;
}

static bool in_space(const struct space *sp, const char *addr, uint16_t port)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(addr, &a), 0);
	return space_index(sp, &a, port) >= 0;
}

static void test_build_space(void **st)
{
	struct space_env v;
	struct space sp;
	struct job_error e;
	(void)st;
	/* config blocklist takes 198.18.1.0/26 (64); the job's blocklist takes
	 * 198.18.1.128/25 (128) and 2001:db8::80/121 (128 of 256) */
	env_init(&v, "198.18.1.0/26,192.168.0.0/16", "198.18.0.0/15,2001:db8::/32");
	assert_int_equal(build(&v, "{\"targets\": [\"198.18.1.0/24\", \"198.18.2.7\", \"2001:db8::/120\"],"
				   " \"ports\": \"22,80,443\","
				   " \"blocklist\": [\"198.18.1.128/25\", \"2001:db8::80/121\"]}", &sp, &e), 0);
	assert_int_equal(sp.nhosts, 64 + 1 + 128);
	assert_int_equal(sp.total, (64 + 1 + 128) * 3);
	assert_int_equal(sp.ports.n, 3);
	assert_true(in_space(&sp, "198.18.1.64", 22));
	assert_true(in_space(&sp, "198.18.2.7", 443));
	assert_true(in_space(&sp, "2001:db8::7f", 80));
	assert_false(in_space(&sp, "198.18.1.63", 22));	  /* config blocklist */
	assert_false(in_space(&sp, "198.18.1.200", 22));  /* job blocklist */
	assert_false(in_space(&sp, "2001:db8::80", 22));  /* job blocklist */
	assert_false(in_space(&sp, "198.18.1.64", 23));	  /* not a port of the job */
	space_free(&sp);
	/* without the job's blocklist only the config one applies */
	assert_int_equal(build(&v, "{\"targets\": [\"198.18.1.0/24\"], \"ports\": \"1-1000\"}", &sp, &e), 0);
	assert_int_equal(sp.total, 192 * 1000);
	space_free(&sp);
	env_free(&v);

	/* no allow list, no config blocklist */
	env_init(&v, "", "");
	assert_int_equal(build(&v, "{\"targets\": \"8.8.8.0/30\", \"ports\": 53}", &sp, &e), 0);
	assert_int_equal(sp.total, 4);
	space_free(&sp);
	env_free(&v);
}

static void expect_space_error(const char *block, const char *allow, const char *over,
			       const char *field, const char *substr)
{
	struct space_env v;
	struct space sp;
	struct job_error e;
	env_init(&v, block, allow);
	memset(&e, 0, sizeof(e));
	expect_error(build(&v, over, &sp, &e), &e, field, substr, over);
	assert_null(sp.cum);
	env_free(&v);
}

static void test_build_space_errors(void **st)
{
	(void)st;
	expect_space_error("", "198.18.1.0/24", "{\"targets\": [\"198.18.1.0/24\", \"198.18.9.0/24\"]}", "targets",
			   "198.18.9.0 is outside the allowed ranges ([scan] allow = 198.18.1.0/24); scan only inside them");
	expect_space_error("", "198.18.0.0/15", "{\"targets\": [\"198.18.1.0/24\", \"198.19.255.255-198.20.0.3\"]}",
			   "targets", "198.20.0.0 is outside");
	expect_space_error("", "198.18.0.0/15", "{\"targets\": [\"2001:db8::5\"]}", "targets",
			   "2001:db8::5 is outside");
	expect_space_error("", "", "{\"targets\": [\"198.18.1.0/24\"], \"blocklist\": [\"198.18.0.0/16\"]}",
			   "targets", "blocklist");
	expect_space_error("198.18.1.0/25", "", "{\"targets\": [\"198.18.1.0/24\"], \"blocklist\": [\"198.18.1.128/25\"]}",
			   "targets", "blocklist");
	expect_space_error("", "", "{\"targets\": [\"2001:db8::/64\"]}", "targets", "/96");
	expect_space_error("", "", "{\"targets\": [\"198.18.1.1\", \"not-an-ip\"]}", "targets",
			   "targets[1] token 1 \"not-an-ip\"");
	expect_space_error("", "", "{\"targets\": [\"198.18.1.0/33\"]}", "targets", "198.18.1.0/33");
	expect_space_error("", "", "{\"targets\": [\"0.0.0.0/0\", \"2001:db8::/96\"], \"ports\": \"1-65535\"}",
			   "targets", "2^48");

	struct space_env v;
	struct space sp;
	struct job_error e;
	env_init(&v, "", "");
	v.cfg.max_targets_len = 20;
	expect_error(build(&v, "{\"targets\": [\"198.18.1.0/24,198.18.2.0/24\"]}", &sp, &e), &e, "targets",
		     "max_targets_len", "max_targets_len");
	env_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_error_set),	cmocka_unit_test(test_full_spec),
		cmocka_unit_test(test_defaults),	cmocka_unit_test(test_alternate_forms),
		cmocka_unit_test(test_bad_fields),	cmocka_unit_test(test_bad_context),
		cmocka_unit_test(test_probe_context),	cmocka_unit_test(test_probe_stored),
		cmocka_unit_test(test_round_trip),	cmocka_unit_test(test_build_space),
		cmocka_unit_test(test_build_space_errors), cmocka_unit_test(test_targets_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
