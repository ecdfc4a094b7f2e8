/* [dpdk] hugepages: parsing, sysfs locations and EAL's --huge-dir (see hugepages.h). */
#include "hugepages.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HP_MAX_COUNT 1000000u

/* "2M", "1G", "2048kB", "1024M" -> kB; 0 when not a size we know. */
static unsigned parse_size(const char *s, size_t n)
{
	char buf[16], *end;
	unsigned long v;
	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)*s))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtoul(buf, &end, 10);
	if (!strcasecmp(end, "G") || !strcasecmp(end, "GB"))
		v <<= 20;
	else if (!strcasecmp(end, "M") || !strcasecmp(end, "MB"))
		v <<= 10;
	else if (strcasecmp(end, "kB") && strcasecmp(end, "K"))
		return 0;
	return v == 2048 || v == 1048576 ? (unsigned)v : 0;
}

/* Strict decimal in [0, max]; -1 when not. */
static long parse_num(const char *s, size_t n, unsigned long max)
{
	char buf[16], *end;
	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)*s))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	unsigned long v = strtoul(buf, &end, 10);
	return *end || v > max ? -1 : (long)v;
}

static int parse_entry(const char *e, size_t n, struct hp_req *r, struct errbuf *why)
{
	const char *colon = memchr(e, ':', n), *at = memchr(e, '@', n);
	long count, node = -1;
	if (!colon || (at && at < colon))
		return errbuf_set(why, -EINVAL, "\"%.*s\": expected SIZE:COUNT[@NODE], e.g. 2M:1024 or 1G:8@0", (int)n, e);
	size_t clen = (size_t)((at ? at : e + n) - colon - 1);
	if (!(r->kb = parse_size(e, (size_t)(colon - e))))
		return errbuf_set(why, -EINVAL, "\"%.*s\": page size must be 2M or 1G", (int)n, e);
	if ((count = parse_num(colon + 1, clen, HP_MAX_COUNT)) < 0)
		return errbuf_set(why, -EINVAL, "\"%.*s\": COUNT must be an integer between 0 and %u", (int)n, e,
				  HP_MAX_COUNT);
	if (at && (node = parse_num(at + 1, (size_t)(e + n - at - 1), HP_MAX_NODE)) < 0)
		return errbuf_set(why, -EINVAL, "\"%.*s\": NODE must be a NUMA node number between 0 and %d", (int)n, e,
				  HP_MAX_NODE);
	r->count = (unsigned)count;
	r->node = (int)node;
	return 0;
}

/* A size is global or per node; a (size, node) pair appears once. */
static int check_conflicts(const struct hp_spec *spec, struct errbuf *why)
{
	char nm[16], at[16] = "";
	for (unsigned i = 0; i < spec->n; i++)
		for (unsigned j = 0; j < i; j++) {
			const struct hp_req *a = &spec->r[i], *b = &spec->r[j];
			if (a->kb != b->kb)
				continue;
			if (a->node >= 0)
				snprintf(at, sizeof(at), "@%d", a->node);
			if (a->node == b->node)
				return errbuf_set(why, -EINVAL, "%s%s is listed twice; give each page size and node once",
						  hugepages_size_name(a->kb, nm, sizeof(nm)), at);
			if (a->node < 0 || b->node < 0)
				return errbuf_set(why, -EINVAL,
						  "%s pages are given both for the whole host and per node; use either %s:COUNT or %s:COUNT@NODE entries",
						  hugepages_size_name(a->kb, nm, sizeof(nm)), nm, nm);
		}
	return 0;
}

int hugepages_parse(const char *s, struct hp_spec *spec, struct errbuf *why)
{
	int r;
	memset(spec, 0, sizeof(*spec));
	for (const char *p = s; *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (!n)
			break;
		if (spec->n == HP_MAX_REQ)
			return errbuf_set(why, -EINVAL, "more than %d entries", HP_MAX_REQ);
		if ((r = parse_entry(p, n, &spec->r[spec->n], why)) < 0)
			return r;
		spec->n++;
		p += n;
	}
	return check_conflicts(spec, why);
}

const char *hugepages_size_name(unsigned kb, char *buf, size_t len)
{
	if (kb >= 1u << 20 && kb % (1u << 20) == 0)
		snprintf(buf, len, "%uG", kb >> 20);
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, len, "%uM", kb >> 10);
	else
		snprintf(buf, len, "%ukB", kb);
	return buf;
}

void hugepages_nr_path(unsigned kb, int node, char *buf, size_t len)
{
	if (node < 0)
		snprintf(buf, len, "/sys/kernel/mm/hugepages/hugepages-%ukB/nr_hugepages", kb);
	else
		snprintf(buf, len, "/sys/devices/system/node/node%d/hugepages/hugepages-%ukB/nr_hugepages", node, kb);
}

unsigned hugepages_sizes(const struct hp_spec *spec, unsigned *kb, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < spec->n; i++) {
		bool seen = false;
		for (unsigned j = 0; j < n; j++)
			seen |= kb[j] == spec->r[i].kb;
		if (!seen && n < max)
			kb[n++] = spec->r[i].kb;
	}
	return n;
}

int hugepages_eal_args(const struct dpdk_env *env, const char *s, struct eal_argv *a, char *note, size_t len)
{
	struct dpdk_hugetlbfs m[16];
	struct hp_spec spec;
	unsigned kb[HP_MAX_REQ], nm;
	char sz[16];
	note[0] = '\0';
	if (!s[0] || eal_argv_has(a, "--no-huge") || eal_argv_has(a, "--huge-dir"))
		return 0;
	if (hugepages_parse(s, &spec, NULL) < 0 || hugepages_sizes(&spec, kb, HP_MAX_REQ) != 1) {
		snprintf(note, len, "[dpdk] hugepages uses several page sizes: EAL looks at every hugetlbfs mount");
		return 0;
	}
	nm = dpdk_hugetlbfs_mounts(env, m, ARRAY_SIZE(m));
	for (unsigned i = 0; i < nm; i++)
		if (m[i].kb == kb[0]) {
			snprintf(note, len, "EAL uses the %s hugepages in %s (--huge-dir)",
				 hugepages_size_name(kb[0], sz, sizeof(sz)), m[i].dir);
			return eal_argv_append(a, "--huge-dir") < 0 || eal_argv_append(a, m[i].dir) < 0 ? -E2BIG : 1;
		}
	snprintf(note, len, "no hugetlbfs is mounted for the %s pages of [dpdk] hugepages: run scand --prepare",
		 hugepages_size_name(kb[0], sz, sizeof(sz)));
	return -ENOENT;
}

void hugepages_eal_log(const struct dpdk_env *env, const char *spec, struct eal_argv *a)
{
	char note[320];
	int r = hugepages_eal_args(env, spec, a, note, sizeof(note));
	if (r < 0)
		log_warn("dpdk: %s", note);
	else if (note[0])
		log_info("dpdk: %s", note);
}
