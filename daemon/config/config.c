/* scand.conf parser (see config.h): a key table per section drives libinih;
 * every problem is collected as "PATH:LINE: message" with the fix. */
#include "config.h"
#include "registry.h"
#include "argv.h"
#include "hugepages.h"
#include "log.h"
#include "parse.h"
#include "scand-config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum ktype { K_STR, K_U64, K_UINT, K_BOOL, K_DOUBLE, K_IP, K_IPLIST, K_MAC, K_PORTS, K_SHARD, K_LOG,
	     K_ENGINE, K_XDPMODE, K_HUGEPAGES, K_DPDKDRV, K_SHARE };

struct key {
	const char *name;
	enum ktype type;
	size_t off, size; /* size: string capacity */
	double min, max;
	size_t has_off;	  /* offset of the bool "has_X" flag, or 0 */
};

#define D(f) offsetof(struct config, f)
#define N(f) offsetof(struct nic_config, f)

static const struct key daemon_keys[] = {
	{ "socket", K_STR, D(socket), sizeof(((struct config *)0)->socket), 0, 0, 0 },
	{ "socket_group", K_STR, D(socket_group), sizeof(((struct config *)0)->socket_group), 0, 0, 0 },
	{ "telemetry_socket", K_STR, D(telemetry_socket), sizeof(((struct config *)0)->telemetry_socket), 0, 0, 0 },
	{ "telemetry_group", K_STR, D(telemetry_group), sizeof(((struct config *)0)->telemetry_group), 0, 0, 0 },
	{ "state_dir", K_STR, D(state_dir), sizeof(((struct config *)0)->state_dir), 0, 0, 0 },
	{ "max_clients", K_UINT, D(max_clients), 0, 1, 100000, 0 },
	{ "max_clients_per_uid", K_UINT, D(max_clients_per_uid), 0, 1, 100000, 0 },
	{ "max_line", K_UINT, D(max_line), 0, 1024, 64 << 20, 0 },
	{ "max_queued_jobs", K_UINT, D(max_queued_jobs), 0, 1, 100000, 0 },
	{ "max_running_jobs", K_UINT, D(max_running_jobs), 0, 1, 8, 0 },
	{ "max_jobs_per_uid", K_UINT, D(max_jobs_per_uid), 0, 0, 100000, 0 },
	{ "share_jobs", K_SHARE, D(share_jobs), 0, 0, 0, 0 },
	{ "client_timeout_s", K_UINT, D(client_timeout_s), 0, 1, 86400, 0 },
	{ "retain_jobs", K_UINT, D(retain_jobs), 0, 0, 1000000, 0 },
	{ "retain_days", K_UINT, D(retain_days), 0, 0, 36500, 0 },
	{ "min_free_mb", K_UINT, D(min_free_mb), 0, 0, 1 << 30, 0 },
	{ "prometheus_textfile", K_STR, D(prometheus_textfile), sizeof(((struct config *)0)->prometheus_textfile), 0, 0, 0 },
	{ "log_level", K_LOG, D(log_level), 0, 0, 0, 0 },
	{ NULL } };
static const struct key rate_keys[] = {
	{ "max_pps", K_U64, D(max_pps), 0, 0, 1e9, 0 },
	{ "adaptive", K_BOOL, D(adaptive), 0, 0, 0, 0 },
	{ "aimd_increase_pps", K_U64, D(aimd_increase_pps), 0, 1, 1e9, 0 },
	{ "aimd_decrease", K_DOUBLE, D(aimd_decrease), 0, 0, 1, 0 },
	{ "tick_ms", K_UINT, D(tick_ms), 0, 100, 60000, 0 },
	{ NULL } };
static const struct key scan_keys[] = {
	{ "source_ip", K_IP, D(source_ip), 0, 0, 0, D(has_source_ip) },
	{ "source_ips", K_IPLIST, D(source_ips), 0, 0, 0, 0 },
	{ "source_ports", K_PORTS, D(source_port_lo), 0, 0, 0, 0 },
	{ "cooldown_s", K_UINT, D(cooldown_s), 0, 0, 3600, 0 },
	{ "blocklist_file", K_STR, D(blocklist_file), sizeof(((struct config *)0)->blocklist_file), 0, 0, 0 },
	{ "udp_payloads", K_STR, D(udp_payloads), sizeof(((struct config *)0)->udp_payloads), 0, 0, 0 },
	{ "allow", K_STR, D(allow), sizeof(((struct config *)0)->allow), 0, 0, 0 },
	{ "max_targets_len", K_UINT, D(max_targets_len), 0, 16, 64 << 20, 0 },
	{ "dedup_bitmap_max", K_U64, D(dedup_bitmap_max), 0, 0, 1ull << 40, 0 },
	{ "shard", K_SHARD, D(shard_index), 0, 0, 0, D(has_shard) },
	{ NULL } };
static const struct key dpdk_keys[] = {
	{ "eal_args", K_STR, D(eal_args), sizeof(((struct config *)0)->eal_args), 0, 0, 0 },
	{ "hugepages", K_HUGEPAGES, D(hugepages), sizeof(((struct config *)0)->hugepages), 0, 0, 0 },
	{ NULL } };
static const struct key nic_keys[] = {
	{ "engine", K_ENGINE, N(engine), 0, 0, 0, 0 },
	{ "queues", K_UINT, N(queues), 0, 0, 64, 0 },
	{ "xdp_mode", K_XDPMODE, N(xdp_mode), 0, 0, 0, 0 },
	{ "dpdk_port", K_STR, N(dpdk_port), sizeof(((struct nic_config *)0)->dpdk_port), 0, 0, 0 },
	{ "gateway_mac", K_MAC, N(gateway_mac), 0, 0, 0, N(has_gateway_mac) },
	{ "source_ip", K_IP, N(source_ip), 0, 0, 0, N(has_source_ip) },
	{ "ena_counters_file", K_STR, N(ena_counters_file), sizeof(((struct nic_config *)0)->ena_counters_file), 0, 0, 0 },
	{ "control_plane_ok", K_BOOL, N(control_plane_ok), 0, 0, 0, 0 },
	{ "dpdk_driver", K_DPDKDRV, N(dpdk_driver), sizeof(((struct nic_config *)0)->dpdk_driver), 0, 0, 0 },
	{ "xdp_mtu_fix", K_BOOL, N(xdp_mtu_fix), 0, 0, 0, 0 },
	{ "xdp_channels_fix", K_BOOL, N(xdp_channels_fix), 0, 0, 0, 0 },
	{ NULL } };

static const struct {
	const char *name;
	const struct key *keys;
} sections[] = { { "daemon", daemon_keys }, { "rate", rate_keys }, { "scan", scan_keys },
		 { "dpdk", dpdk_keys } };

static const char *const xdp_names[] = { "auto", "zc", "drv", "skb" };
static const char *const share_names[] = { "owner", "group" }; /* enum share_jobs */
static const char *const dpdk_drivers[] = { "vfio-pci", "uio_pci_generic", "igb_uio" };
static const char *const log_names[] = { "error", "warning", "notice", "info", "debug" };
static const int log_levels[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "/run/scand/control.sock");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/scand");
	snprintf(c->blocklist_file, sizeof(c->blocklist_file), "%s/blocklist.conf", SCAND_SYSCONFDIR);
	snprintf(c->udp_payloads, sizeof(c->udp_payloads), "%s/udp-payloads.conf", SCAND_SYSCONFDIR);
	snprintf(c->eal_args, sizeof(c->eal_args), "--in-memory");
	c->max_clients = 64;
	c->max_clients_per_uid = 16;
	c->max_line = 1u << 20;
	c->max_queued_jobs = 16;
	c->max_running_jobs = 4;
	c->max_jobs_per_uid = 8;
	c->client_timeout_s = 30;
	c->retain_jobs = 1000;
	c->retain_days = 30;
	c->min_free_mb = 512;
	c->log_level = LOG_INFO;
	c->adaptive = true;
	c->aimd_increase_pps = 1000;
	c->aimd_decrease = 0.7;
	c->tick_ms = 1000;
	c->source_port_lo = 61000;
	c->source_port_n = 64;
	c->cooldown_s = 8;
	c->max_targets_len = 1u << 20;
	c->dedup_bitmap_max = 1ull << 30;
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

void nic_config_engine(const struct nic_config *n, struct engine_conf *ec)
{
	memset(ec, 0, sizeof(*ec));
	snprintf(ec->name, sizeof(ec->name), "%s", n->name);
	ec->queues = n->queues;
	ec->xdp_mode = n->xdp_mode;
	snprintf(ec->dpdk_port, sizeof(ec->dpdk_port), "%s", n->dpdk_port);
	ec->control_plane_ok = n->control_plane_ok;
}

const struct nic_config *config_find_nic(const struct config *c, const char *name)
{
	for (unsigned i = 0; i < c->nnics; i++)
		if (strcmp(c->nics[i].name, name) == 0)
			return &c->nics[i];
	return NULL;
}

struct parse_ctx {
	struct config *c;
	const char *name; /* file name for messages */
	FILE *f;	  /* file source, or */
	const char *text; /* string source */
	unsigned line, nerr;
	struct errbuf *err;
	const struct key *keys; /* current section's table; NULL = unknown section */
	struct nic_config *nic; /* current [nic] */
	char section[80];
	unsigned eal_args_line;
};

static void add_error(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_error(struct parse_ctx *p, const char *fmt, ...)
{
	size_t off = strlen(p->err->msg);
	va_list ap;
	p->nerr++;
	if (off + 80 >= sizeof(p->err->msg))
		return;
	off += (size_t)snprintf(p->err->msg + off, sizeof(p->err->msg) - off, "%s%s:%u: ",
				off ? "\n" : "", p->name, p->line);
	va_start(ap, fmt);
	vsnprintf(p->err->msg + off, sizeof(p->err->msg) - off, fmt, ap);
	va_end(ap);
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-@:", s[i]))
			return false;
	return true;
}

static void begin_nic(struct parse_ctx *p, const char *arg)
{
	char name[64];
	size_t n = strlen(arg);
	if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"')
		snprintf(name, sizeof(name), "%.*s", (int)(n - 2), arg + 1);
	else
		snprintf(name, sizeof(name), "%s", arg);
	p->keys = NULL;
	if (!valid_ifname(name))
		return add_error(p, "[nic \"%s\"]: not a valid interface name (1-15 characters)", name);
	if (config_find_nic(p->c, name))
		return add_error(p, "[nic \"%s\"] is defined twice; merge the sections", name);
	if (p->c->nnics == CONFIG_MAX_NICS)
		return add_error(p, "more than %d [nic] sections", CONFIG_MAX_NICS);
	p->nic = &p->c->nics[p->c->nnics++];
	memset(p->nic, 0, sizeof(*p->nic));
	snprintf(p->nic->name, sizeof(p->nic->name), "%s", name);
	p->nic->engine = ENGINE_AF_PACKET;
	p->nic->line = (int)p->line;
	p->keys = nic_keys;
}

/* Section headers are handled here, as lines are read, so that empty
 * sections and bad headers are seen too. */
static void on_line(struct parse_ctx *p, const char *line)
{
	const char *s = line, *e;
	char sec[80];
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[' || !(e = strchr(s, ']')))
		return;
	snprintf(sec, sizeof(sec), "%.*s", (int)MIN((size_t)(e - s - 1), sizeof(sec) - 1), s + 1);
	snprintf(p->section, sizeof(p->section), "%s", sec);
	p->nic = NULL;
	p->keys = NULL;
	if (strncmp(sec, "nic ", 4) == 0)
		return begin_nic(p, sec + 4);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (strcmp(sec, sections[i].name) == 0) {
			p->keys = sections[i].keys;
			return;
		}
	add_error(p, "unknown section [%s]; known: [daemon], [rate], [scan], [dpdk], [nic \"NAME\"]", sec);
}

/* "key = value  # note": '#' or ';' after a blank starts a comment (values never
 * need a blank before those characters). */
static void strip_inline_comment(char *line)
{
	for (char *c = line + 1; *c; c++)
		if ((*c == '#' || *c == ';') && (c[-1] == ' ' || c[-1] == '\t')) {
			strcpy(c, strchr(line, '\n') ? "\n" : "");
			return;
		}
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	char *r = NULL;
	if (p->f) {
		r = fgets(str, num, p->f);
	} else if (*p->text) {
		size_t n = strcspn(p->text, "\n");
		size_t take = MIN(n, (size_t)num - 2);
		memcpy(str, p->text, take);
		str[take] = '\n';
		str[take + 1] = '\0';
		p->text += n + (p->text[n] == '\n');
		r = str;
	}
	if (r) {
		p->line++;
		strip_inline_comment(r);
		on_line(p, r);
	}
	return r;
}

static void known_keys(const struct key *keys, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (const struct key *k = keys; k->name && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", k->name);
}

static int set_enum(void *dst, const char *const *names, size_t n, const char *v)
{
	int i = name_index(names, n, v);
	if (i >= 0)
		*(int *)dst = i;
	return i;
}

/* [scan] source_ips: comma-separated addresses. */
static const char *set_iplist(struct config *c, const char *v, char *why, size_t wlen)
{
	char copy[4096], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", v);
	c->nsource_ips = 0;
	for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (c->nsource_ips == CONFIG_MAX_SOURCE_IPS)
			return snprintf(why, wlen, "at most %d addresses", CONFIG_MAX_SOURCE_IPS), why;
		if (ipaddr_parse(t, &c->source_ips[c->nsource_ips++]) < 0)
			return snprintf(why, wlen, "\"%.46s\" is not an IPv4 or IPv6 address", t), why;
	}
	return NULL;
}

/* [dpdk] hugepages: validated by the parser --prepare and EAL use. */
static const char *set_hugepages(char *dst, size_t size, const char *v, char *why, size_t wlen)
{
	struct hp_spec hp;
	struct errbuf e;
	if (strlen(v) >= size) {
		snprintf(why, wlen, "too long (at most %zu characters)", size - 1);
		return why;
	}
	if (hugepages_parse(v, &hp, &e) < 0) {
		snprintf(why, wlen, "%s", e.msg);
		return why;
	}
	snprintf(dst, size, "%s", v);
	return NULL;
}

/* Stores v into the field; returns NULL or the reason it is invalid. */
static const char *set_value(struct parse_ctx *p, const struct key *k, char *base, const char *v,
			     char *why, size_t wlen)
{
	void *dst = base + k->off;
	uint64_t u, u2;
	double d;
	char *end;
	int i;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size)
			return snprintf(why, wlen, "too long (at most %zu characters)", k->size - 1), why;
		snprintf(dst, k->size, "%s", v);
		return NULL;
	case K_U64:
	case K_UINT:
		if (parse_u64(v, &u) < 0 || (double)u < k->min || (double)u > k->max)
			return snprintf(why, wlen, "must be an integer between %.0f and %.0f", k->min, k->max), why;
		if (k->type == K_U64)
			*(uint64_t *)dst = u;
		else
			*(unsigned *)dst = (unsigned)u;
		return NULL;
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
			*(bool *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
			*(bool *)dst = false;
		else
			return "must be true or false";
		return NULL;
	case K_DOUBLE:
		d = strtod(v, &end);
		if (*end || end == v || !isfinite(d) || d <= k->min || d >= k->max)
			return snprintf(why, wlen, "must be between %g and %g (exclusive), e.g. 0.7", k->min, k->max), why;
		*(double *)dst = d;
		return NULL;
	case K_IP:
		if (ipaddr_parse(v, dst) < 0)
			return "must be an IPv4 or IPv6 address, e.g. 198.18.0.100";
		break;
	case K_IPLIST:
		return set_iplist(p->c, v, why, wlen);
	case K_MAC:
		if (mac_parse(v, dst) < 0)
			return "must be a MAC address like 02:00:00:00:00:02";
		break;
	case K_PORTS:
		if (port_range_parse(v, &p->c->source_port_lo, &p->c->source_port_n) < 0)
			return "must be a port range FIRST-LAST within 1-65535, e.g. 40000-40063";
		return NULL;
	case K_SHARD:
		if (shard_parse(v, &u, &u2) < 0)
			return "must be INDEX/COUNT with 0 <= INDEX < COUNT <= 65536, e.g. 0/4";
		p->c->shard_index = (uint32_t)u;
		p->c->shard_count = (uint32_t)u2;
		break;
	case K_LOG:
		if ((i = name_index(log_names, ARRAY_SIZE(log_names), v)) < 0)
			return "must be error, warning, notice, info or debug";
		*(int *)dst = log_levels[i];
		return NULL;
	case K_ENGINE:
		if (engine_kind_parse(v, dst) < 0)
			return "must be af_xdp, dpdk, af_packet or null";
		return NULL;
	case K_XDPMODE:
		if (set_enum(dst, xdp_names, ARRAY_SIZE(xdp_names), v) < 0)
			return "must be auto, zc, drv or skb";
		return NULL;
	case K_SHARE:
		if (set_enum(dst, share_names, ARRAY_SIZE(share_names), v) < 0)
			return "must be owner (a job's submitter alone may cancel it or read its results) or group (every member of the socket group may)";
		return NULL;
	case K_HUGEPAGES:
		return set_hugepages(dst, k->size, v, why, wlen);
	case K_DPDKDRV:
		if (name_index(dpdk_drivers, ARRAY_SIZE(dpdk_drivers), v) < 0)
			return "must be vfio-pci, uio_pci_generic or igb_uio";
		snprintf(dst, k->size, "%s", v);
		return NULL;
	}
	if (k->has_off)
		*(bool *)(base + k->has_off) = true;
	return NULL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	char *base = p->nic ? (char *)p->nic : (char *)p->c;
	char why[160], known[400];
	const char *bad;
	(void)section;
	if (!p->keys)
		return 1; /* unknown or broken section: reported once at its header */
	for (const struct key *k = p->keys; k->name; k++) {
		if (strcmp(k->name, name) != 0)
			continue;
		if ((bad = set_value(p, k, base, value, why, sizeof(why))))
			add_error(p, "[%s] %s = %s: %s", p->section, name, value, bad);
		if (!strcmp(name, "eal_args"))
			p->eal_args_line = p->line;
		return 1;
	}
	known_keys(p->keys, known, sizeof(known));
	add_error(p, "unknown key \"%s\" in [%s]; known keys: %s", name, p->section, known);
	return 1;
}

/* Checks that span keys: a dpdk NIC names its port; eal_args split cleanly. */
static void check_whole(struct parse_ctx *p)
{
	char buf[sizeof(p->c->eal_args) + 1], *words[ARGV_MAX_WORDS + 1];
	const struct argv_buf out = { buf, sizeof(buf), words, ARGV_MAX_WORDS };
	struct errbuf e;
	bool dpdk = false;
	for (unsigned i = 0; i < p->c->nnics; i++) {
		const struct nic_config *n = &p->c->nics[i];
		if (n->engine != ENGINE_DPDK)
			continue;
		dpdk = true;
		p->line = (unsigned)n->line;
		if (!n->dpdk_port[0])
			add_error(p, "[nic \"%s\"] engine = dpdk needs dpdk_port: a PCI address (0000:00:06.0) or a vdev spec (net_af_packet0,iface=eth1)",
				  n->name);
	}
	p->line = p->eal_args_line;
	if (dpdk && argv_split(p->c->eal_args, "[dpdk] eal_args", &out, &e) < 0)
		add_error(p, "%s", e.msg);
}

static int parse(struct parse_ctx *p)
{
	int r = ini_parse_stream(reader, p, handler, p);
	if (r > 0) { /* inih reports the first line it could not parse */
		p->line = (unsigned)r;
		add_error(p, "syntax error: expected [section] or key = value");
	}
	if (!p->nerr)
		check_whole(p);
	return p->nerr ? -EINVAL : 0;
}

int config_load(struct config *c, const char *path, struct errbuf *err)
{
	struct parse_ctx p = { .c = c, .name = path, .err = err };
	int r;
	config_defaults(c);
	err->msg[0] = '\0';
	if (!(p.f = fopen(path, "re")))
		return errbuf_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	r = parse(&p);
	fclose(p.f);
	return r;
}

int config_load_string(struct config *c, const char *text, const char *name, struct errbuf *err)
{
	struct parse_ctx p = { .c = c, .name = name, .text = text, .err = err };
	config_defaults(c);
	err->msg[0] = '\0';
	return parse(&p);
}
