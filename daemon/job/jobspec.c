/* job.submit parameters (see jobspec.h): strict JSON decoding with the
 * field named in every error, defaults from the config, spec.json round trip. */
#include "jobspec.h"
#include "registry.h"
#include "parse.h"
#include "statefile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define MAX_TARGET_STRINGS 100000

static const char *const known_fields[] = {
	"targets", "ports", "probe", "rate_pps", "adaptive", "shard", "seed", "nics", "engine",
	"source_ip", "source_ports", "gateway_mac", "blocklist", "cooldown_s", "name", "targets_file",
	"client_key", "request_digest", "labels", "record", NULL
};

static const char *json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "null";
}

/* An integer field in [min, max]; absent -> def. */
static int get_int(const cJSON *p, const char *field, const char *k, uint64_t min, uint64_t max,
		   uint64_t def, uint64_t *out, struct job_error *err)
{
	const cJSON *v = k ? cJSON_GetObjectItemCaseSensitive(p, k) : p;
	if (!v)
		return *out = def, 0;
	if (!cJSON_IsNumber(v))
		return job_error_set(err, JOB_ERR_INVALID, field, "%s must be an integer, got %s",
				     field, json_type(v));
	double d = v->valuedouble;
	if (!isfinite(d) || floor(d) != d)
		return job_error_set(err, JOB_ERR_INVALID, field, "%s must be a whole number, got %g",
				     field, d);
	if (d < (double)min || d > (double)max)
		return job_error_set(err, JOB_ERR_INVALID, field,
				     "%s must be between %llu and %llu, got %.17g", field,
				     (unsigned long long)min, (unsigned long long)max, d);
	*out = (uint64_t)d;
	return 0;
}

static int get_str(const cJSON *p, const char *k, const char **out, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, k);
	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return job_error_set(err, JOB_ERR_INVALID, k, "%s must be a string, got %s", k,
				     json_type(v));
	*out = v->valuestring;
	return 0;
}

/* A string or an array of non-empty strings -> owned copies. */
static int get_str_list(const cJSON *p, const char *k, size_t max, char ***out, size_t *n,
			struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, k), *it;
	size_t i = 0, cnt;
	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v) && !cJSON_IsString(v))
		return job_error_set(err, JOB_ERR_INVALID, k,
				     "%s must be an array of strings, got %s", k, json_type(v));
	cnt = cJSON_IsString(v) ? 1 : (size_t)cJSON_GetArraySize(v);
	if (cnt > max)
		return job_error_set(err, JOB_ERR_INVALID, k, "%s has %zu entries; at most %zu",
				     k, cnt, max);
	if (!(*out = calloc(cnt + 1, sizeof(char *))))
		return job_error_set(err, JOB_ERR_INTERNAL, k, "out of memory");
	if (cJSON_IsString(v)) {
		if (!v->valuestring[0])
			return job_error_set(err, JOB_ERR_INVALID, k, "%s is an empty string; give at least one entry", k);
		if (!((*out)[0] = strdup(v->valuestring)))
			return job_error_set(err, JOB_ERR_INTERNAL, k, "out of memory");
		*n = 1;
		return 0;
	}
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return job_error_set(err, JOB_ERR_INVALID, k,
					     "%s[%zu] must be a non-empty string, got %s", k, i,
					     cJSON_IsString(it) ? "\"\"" : json_type(it));
		if (!((*out)[i] = strdup(it->valuestring)))
			return job_error_set(err, JOB_ERR_INTERNAL, k, "out of memory");
		*n = ++i;
	}
	return 0;
}

/* The daemon reads targets_file with its own privileges: a bad line is
 * reported by number only, so the file's content never reaches the client. */
static int check_file_targets(const struct job_spec *s, size_t first, const struct config *cfg,
			      struct job_error *err)
{
	struct range_set v4, v6;
	struct errbuf e;
	int r;
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	r = targets_parse((const char *const *)s->targets + first, s->ntargets - first,
			  cfg->max_targets_len, 0, &v4, &v6, &e);
	ranges_free(&v4);
	ranges_free(&v6);
	if (r == -EINVAL) {
		size_t k = 0;
		sscanf(e.msg, "targets[%zu]", &k);
		return job_error_set(err, JOB_ERR_INVALID, "targets_file",
				     "targets_file entry %zu (counting non-blank lines) is not an address, prefix or range; fix that line (its text is not shown)",
				     k + 1);
	}
	return r < 0 ? job_error_set(err, JOB_ERR_INVALID, "targets_file", "targets_file: %s", e.msg) : 0;
}

/* targets_file: one target per line ('#' comments, blank lines skipped),
 * read by the daemon, bounded by [scan] max_targets_len; the lines are
 * appended to the targets (spec.json keeps them, not the path). */
static int read_targets_file(const cJSON *v, const struct config *cfg, struct job_spec *s,
			     struct job_error *err)
{
	char *text = NULL, *save = NULL;
	size_t len = 0, cap = s->ntargets, first = s->ntargets;
	int r;
	if (!cJSON_IsString(v))
		return job_error_set(err, JOB_ERR_INVALID, "targets_file", "targets_file must be a path string");
	r = statefile_read_regular(v->valuestring, cfg->max_targets_len, &text, &len);
	if (r == -EFBIG)
		return job_error_set(err, JOB_ERR_INVALID, "targets_file",
				     "targets_file %.200s is larger than [scan] max_targets_len (%u bytes); split it into several jobs",
				     v->valuestring, cfg->max_targets_len);
	if (r < 0) /* one text for every reason: it tells nothing about the path */
		return job_error_set(err, JOB_ERR_INVALID, "targets_file",
				     "cannot read targets_file %.200s: it must name an existing regular file that scand can read (not a symlink, directory, FIFO or device)",
				     v->valuestring);
	char *l;
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(l, '#');
		if (c)
			*c = '\0';
		l += strspn(l, " \t\r");
		l[strcspn(l, " \t\r")] = '\0';
		if (!*l)
			continue;
		if (s->ntargets == cap) {
			cap = cap ? cap * 2 : 256;
			char **t = realloc(s->targets, (cap + 1) * sizeof(*t));
			if (!t)
				break;
			s->targets = t;
		}
		if (!(s->targets[s->ntargets] = strdup(l)))
			break;
		s->ntargets++;
	}
	r = l ? -ENOMEM : 0;
	free(text);
	if (r < 0)
		return job_error_set(err, JOB_ERR_INTERNAL, "targets_file", "out of memory reading targets_file");
	if (s->ntargets == first)
		return job_error_set(err, JOB_ERR_INVALID, "targets_file", "targets_file lists no targets");
	return check_file_targets(s, first, cfg, err);
}

static int get_shard(const cJSON *p, const struct config *cfg, struct job_spec *s,
		     struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "shard"), *f;
	uint64_t i, n;
	s->shard_index = cfg->has_shard ? cfg->shard_index : 0;
	s->shard_count = cfg->has_shard ? cfg->shard_count : 1;
	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		if (shard_parse(v->valuestring, &i, &n) == -EINVAL)
			return job_error_set(err, JOB_ERR_INVALID, "shard",
					     "shard \"%.40s\" must be \"INDEX/COUNT\" (e.g. \"0/4\") or {\"index\": I, \"count\": N}",
					     v->valuestring);
	} else if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(f, v)
			if (strcmp(f->string, "index") != 0 && strcmp(f->string, "count") != 0)
				return job_error_set(err, JOB_ERR_INVALID, "shard",
						     "unknown field \"shard.%.40s\"; shard takes only index and count", f->string);
		if (!cJSON_GetObjectItemCaseSensitive(v, "count"))
			return job_error_set(err, JOB_ERR_INVALID, "shard.count",
					     "shard.count is required, e.g. {\"index\": 0, \"count\": 4}");
		if (get_int(v, "shard.count", "count", 1, 65536, 1, &n, err) < 0 ||
		    get_int(v, "shard.index", "index", 0, 65535, 0, &i, err) < 0)
			return -EINVAL;
	} else {
		return job_error_set(err, JOB_ERR_INVALID, "shard",
				     "shard must be an object {\"index\": I, \"count\": N} or \"I/N\", got %s", json_type(v));
	}
	if (n < 1 || n > SHARD_MAX_COUNT)
		return job_error_set(err, JOB_ERR_INVALID, "shard.count",
				     "shard count must be between 1 and 65536, got %llu", (unsigned long long)n);
	if (i >= n)
		return job_error_set(err, JOB_ERR_INVALID, "shard.index",
				     "shard index %llu must be less than the count %llu (shards are 0..%llu)",
				     (unsigned long long)i, (unsigned long long)n, (unsigned long long)(n - 1));
	s->shard_index = (uint32_t)i;
	s->shard_count = (uint32_t)n;
	return 0;
}

static int get_seed(const cJSON *p, struct job_spec *s, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "seed");
	uint64_t seed;
	if (!v) {
		if (getrandom(&s->seed, sizeof(s->seed), 0) != sizeof(s->seed))
			return job_error_set(err, JOB_ERR_INTERNAL, "seed", "getrandom failed");
		return 0;
	}
	if (cJSON_IsString(v)) {
		char *end;
		errno = 0;
		seed = strtoull(v->valuestring, &end, 10);
		if (!isdigit((unsigned char)v->valuestring[0]) || *end || errno)
			return job_error_set(err, JOB_ERR_INVALID, "seed",
					     "seed must be a decimal integer 0..18446744073709551615");
		s->seed = seed;
		return 0;
	}
	/* Doubles hold every integer below 2^53 exactly; above it a JSON number
	 * may already have been rounded, so larger seeds travel as strings. */
	if (cJSON_IsNumber(v) && v->valuedouble >= 9007199254740992.0)
		return job_error_set(err, JOB_ERR_INVALID, "seed",
				     "seed %.17g is too large for a JSON number (limit 2^53-1); pass it as a decimal string, e.g. \"18446744073709551615\"",
				     v->valuedouble);
	if (get_int(p, "seed", "seed", 0, (1ull << 53) - 1, 0, &seed, err) < 0)
		return -EINVAL;
	s->seed = seed;
	return 0;
}

static int get_nics(const cJSON *p, const struct config *cfg, bool stored, struct job_spec *s,
		    struct job_error *err)
{
	char **names = NULL, list[512] = "";
	size_t n = 0, off = 0;
	int r = get_str_list(p, "nics", CONFIG_MAX_NICS, &names, &n, err);
	for (unsigned i = 0; i < cfg->nnics && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", cfg->nics[i].name);
	if (r == 0 && !cfg->nnics && !stored)
		r = job_error_set(err, JOB_ERR_INVALID, "nics",
				  "no NICs configured; add a [nic \"NAME\"] section to the config and reload scand");
	if (r == 0 && cJSON_GetObjectItemCaseSensitive(p, "nics") && n == 0)
		r = job_error_set(err, JOB_ERR_INVALID, "nics", "nics is empty; omit it to use every NIC (%s)", list);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char f[32];
		snprintf(f, sizeof(f), "nics[%zu]", i);
		if (!stored && !config_find_nic(cfg, names[i])) /* a stored job may wait for it: held */
			r = job_error_set(err, JOB_ERR_INVALID, f, "%s: no NIC \"%.20s\" configured; configured: %s", f, names[i], list);
		for (size_t k = 0; r == 0 && k < i; k++)
			if (strcmp(names[k], names[i]) == 0)
				r = job_error_set(err, JOB_ERR_INVALID, f, "%s: NIC \"%s\" is listed twice; list each NIC once", f, names[i]);
		if (r == 0)
			snprintf(s->nics[s->nnics++], IFNAMSIZ, "%s", names[i]);
	}
	for (unsigned i = 0; r == 0 && n == 0 && i < cfg->nnics; i++)
		snprintf(s->nics[s->nnics++], IFNAMSIZ, "%s", cfg->nics[i].name);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int get_engine_and_addrs(const cJSON *p, const struct config *cfg, bool stored,
				struct job_spec *s, struct job_error *err)
{
	const char *eng, *ip, *sp, *mac;
	if (get_str(p, "engine", &eng, err) < 0 || get_str(p, "source_ip", &ip, err) < 0 ||
	    get_str(p, "source_ports", &sp, err) < 0 || get_str(p, "gateway_mac", &mac, err) < 0)
		return -EINVAL;
	if (eng) {
		if (engine_kind_parse(eng, &s->engine) < 0)
			return job_error_set(err, JOB_ERR_INVALID, "engine",
					     "unknown engine \"%.20s\"; use af_xdp, dpdk, af_packet or null", eng);
		s->has_engine = true;
		for (unsigned i = 0; !stored && i < s->nnics; i++) {
			const struct nic_config *n = config_find_nic(cfg, s->nics[i]);
			if (n->engine != s->engine)
				return job_error_set(err, JOB_ERR_INVALID, "engine",
						     "NIC %s runs the %s engine, not %s; pick nics that use %s or drop \"engine\"",
						     n->name, engine_kind_name(n->engine), eng, eng);
		}
	}
	if (ip) {
		if (ipaddr_parse(ip, &s->source_ip) < 0)
			return job_error_set(err, JOB_ERR_INVALID, "source_ip",
					     "source_ip \"%.46s\" is not an IPv4 or IPv6 address", ip);
		if (s->nnics != 1)
			return job_error_set(err, JOB_ERR_INVALID, "source_ip",
					     "source_ip is only valid for a job on one NIC (this job uses %u); set source_ip per [nic] instead",
					     s->nnics);
		s->has_source_ip = true;
	}
	s->sport_lo = cfg->source_port_lo;
	s->sport_n = cfg->source_port_n;
	if (sp && (strlen(sp) > 11 || port_range_parse(sp, &s->sport_lo, &s->sport_n) < 0))
		return job_error_set(err, JOB_ERR_INVALID, "source_ports",
				     "source_ports must be FIRST-LAST within 1-65535, e.g. \"40000-40063\"");
	if (mac) {
		if (mac_parse(mac, s->gateway_mac) < 0)
			return job_error_set(err, JOB_ERR_INVALID, "gateway_mac",
					     "gateway_mac must look like 02:00:00:00:00:02");
		s->has_gateway_mac = true;
	}
	return 0;
}

static int get_misc(const cJSON *p, const struct config *cfg, bool stored, struct job_spec *s,
		    struct job_error *err)
{
	const cJSON *ad = cJSON_GetObjectItemCaseSensitive(p, "adaptive");
	const char *name;
	uint64_t v;
	uint64_t def_rate = cfg->max_pps && cfg->max_pps < 10000 ? cfg->max_pps : 10000;
	if (get_int(p, "rate_pps", "rate_pps", 1, 1000000000ull, def_rate, &v, err) < 0)
		return -EINVAL;
	if (stored && cfg->max_pps && v > cfg->max_pps) /* the config wins: resume slower */
		v = cfg->max_pps;
	if (cfg->max_pps && v > cfg->max_pps)
		return job_error_set(err, JOB_ERR_INVALID, "rate_pps",
				     "rate_pps %llu exceeds [rate] max_pps = %llu; ask for at most %llu or raise max_pps in the config",
				     (unsigned long long)v, (unsigned long long)cfg->max_pps,
				     (unsigned long long)cfg->max_pps);
	s->rate_pps = v;
	if (get_int(p, "cooldown_s", "cooldown_s", 0, 3600, cfg->cooldown_s, &v, err) < 0)
		return -EINVAL;
	s->cooldown_s = (unsigned)v;
	if (ad && !cJSON_IsBool(ad))
		return job_error_set(err, JOB_ERR_INVALID, "adaptive", "adaptive must be true or false, got %s",
				     json_type(ad));
	s->adaptive = ad ? cJSON_IsTrue(ad) : cfg->adaptive;
	if (get_str(p, "name", &name, err) < 0)
		return -EINVAL;
	if (name) {
		if (strlen(name) >= JOBSPEC_MAX_NAME)
			return job_error_set(err, JOB_ERR_INVALID, "name", "name is longer than %d characters", JOBSPEC_MAX_NAME - 1);
		for (const char *c = name; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return job_error_set(err, JOB_ERR_INVALID, "name", "name contains control characters");
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	return 0;
}

/* ports: a string ("22,80,8000-8010") or one port as a JSON number; the
 * string is checked here so a decoded spec always has valid ports. A
 * module without ports (icmp_echo) takes none. */
static int get_ports(const cJSON *p, struct job_spec *s, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "ports");
	struct port_list pl;
	struct errbuf e;
	uint64_t one;
	char buf[8];
	if (!s->probe.args.mod->ports)
		return v ? job_error_set(err, JOB_ERR_INVALID, "ports",
					 "the %s probe sends one probe per host and takes no ports; drop \"ports\"",
					 s->probe.args.mod->name)
			 : 0;
	if (!v)
		return job_error_set(err, JOB_ERR_INVALID, "ports", "ports is required, e.g. \"22,80,443\"");
	if (cJSON_IsNumber(v)) {
		if (get_int(v, "ports", NULL, 1, 65535, 0, &one, err) < 0)
			return -EINVAL;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)one);
	} else if (!cJSON_IsString(v)) {
		return job_error_set(err, JOB_ERR_INVALID, "ports",
				     "ports must be a string like \"22,80,8000-8010\", got %s", json_type(v));
	}
	if (!(s->ports = strdup(cJSON_IsNumber(v) ? buf : v->valuestring)))
		return job_error_set(err, JOB_ERR_INTERNAL, "ports", "out of memory");
	if (ports_parse(s->ports, &pl, &e) < 0)
		return job_error_set(err, JOB_ERR_INVALID, "ports", "%s", e.msg);
	ports_free(&pl);
	return 0;
}

static int get_targets(const cJSON *p, const struct config *cfg, struct job_spec *s,
		       struct job_error *err)
{
	const cJSON *tf = cJSON_GetObjectItemCaseSensitive(p, "targets_file");
	if (!cJSON_GetObjectItemCaseSensitive(p, "targets") && !tf)
		return job_error_set(err, JOB_ERR_INVALID, "targets", "targets is required, e.g. [\"198.18.1.0/24\"]");
	if (get_str_list(p, "targets", MAX_TARGET_STRINGS, &s->targets, &s->ntargets, err) < 0 ||
	    (tf && read_targets_file(tf, cfg, s, err) < 0))
		return -EINVAL;
	if (!s->ntargets)
		return job_error_set(err, JOB_ERR_INVALID, "targets", "targets is empty; give addresses or prefixes");
	return 0;
}

static int get_blocklist(const cJSON *p, struct job_spec *s, struct job_error *err)
{
	if (get_str_list(p, "blocklist", JOBSPEC_MAX_BLOCKLIST, &s->blocklist, &s->nblocklist, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < s->nblocklist; i++) {
		struct cidr_list tmp;
		struct errbuf e;
		char f[32];
		cidr_list_init(&tmp);
		int r = cidr_list_add(&tmp, s->blocklist[i], &e);
		cidr_list_free(&tmp);
		snprintf(f, sizeof(f), "blocklist[%zu]", i);
		if (r < 0)
			return job_error_set(err, JOB_ERR_INVALID, f, "%s: %s; write a CIDR like \"198.18.1.128/25\"",
					     f, e.msg);
	}
	return 0;
}

static int decode(const cJSON *p, const struct config *cfg, bool stored, struct job_spec *s,
		  struct job_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(p))
		return job_error_set(err, JOB_ERR_INVALID, "params",
				     "params must be an object like {\"targets\": [...], \"ports\": \"80\"}, got %s",
				     json_type(p));
	if (job_check_fields(p, known_fields, err) < 0 || get_targets(p, cfg, s, err) < 0 ||
	    jobprobe_from_json(p, cfg, stored, &s->probe, err) < 0 || get_ports(p, s, err) < 0 || get_blocklist(p, s, err) < 0 || get_misc(p, cfg, stored, s, err) < 0 ||
	    get_shard(p, cfg, s, err) < 0 || get_seed(p, s, err) < 0 || get_nics(p, cfg, stored, s, err) < 0 ||
	    get_engine_and_addrs(p, cfg, stored, s, err) < 0 || jobkeys_from_json(p, &s->keys, err) < 0 ||
	    joblabels_from_json(p, &s->labels, err) < 0) {
		jobspec_free(s);
		return -EINVAL;
	}
	return 0;
}

int jobspec_from_json(const cJSON *p, const struct config *cfg, struct job_spec *s,
		      struct job_error *err)
{
	return decode(p, cfg, false, s, err);
}

int jobspec_from_stored(const cJSON *p, const struct config *cfg, struct job_spec *s,
			struct job_error *err)
{
	return decode(p, cfg, true, s, err);
}

static cJSON *str_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *jobspec_to_json(const struct job_spec *s)
{
	cJSON *o = cJSON_CreateObject(), *sh, *nics;
	char buf[64];
	cJSON_AddItemToObject(o, "targets", str_array(s->targets, s->ntargets));
	if (s->ports)
		cJSON_AddStringToObject(o, "ports", s->ports);
	jobprobe_to_json(&s->probe, o);
	cJSON_AddNumberToObject(o, "rate_pps", (double)s->rate_pps);
	cJSON_AddBoolToObject(o, "adaptive", s->adaptive);
	sh = cJSON_AddObjectToObject(o, "shard");
	cJSON_AddNumberToObject(sh, "index", s->shard_index);
	cJSON_AddNumberToObject(sh, "count", s->shard_count);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s->seed);
	cJSON_AddStringToObject(o, "seed", buf);
	nics = cJSON_AddArrayToObject(o, "nics");
	for (unsigned i = 0; i < s->nnics; i++)
		cJSON_AddItemToArray(nics, cJSON_CreateString(s->nics[i]));
	if (s->has_engine)
		cJSON_AddStringToObject(o, "engine", engine_kind_name(s->engine));
	if (s->has_source_ip)
		cJSON_AddStringToObject(o, "source_ip", ipaddr_str(&s->source_ip, buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), "%u-%u", s->sport_lo, s->sport_lo + s->sport_n - 1);
	cJSON_AddStringToObject(o, "source_ports", buf);
	if (s->has_gateway_mac) {
		const uint8_t *m = s->gateway_mac;
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
		cJSON_AddStringToObject(o, "gateway_mac", buf);
	}
	cJSON_AddItemToObject(o, "blocklist", str_array(s->blocklist, s->nblocklist));
	cJSON_AddNumberToObject(o, "cooldown_s", s->cooldown_s);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddItemToObject(o, "labels", joblabels_json(&s->labels));
	jobkeys_to_json(&s->keys, o);
	return o;
}

void jobspec_drop_targets(struct job_spec *s)
{
	for (size_t i = 0; s->targets && i < s->ntargets; i++)
		free(s->targets[i]);
	for (size_t i = 0; s->blocklist && i < s->nblocklist; i++)
		free(s->blocklist[i]);
	free(s->targets);
	free(s->blocklist);
	s->targets = s->blocklist = NULL;
	s->ntargets = s->nblocklist = 0;
	udp_payload_set_unindex(s->probe.args.payloads); /* 128 KiB a run rebuilds */
}

void jobspec_free(struct job_spec *s)
{
	jobspec_drop_targets(s);
	jobprobe_free(&s->probe);
	free(s->ports);
	memset(s, 0, sizeof(*s));
}
