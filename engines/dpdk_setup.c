/* DPDK setup arithmetic that needs no EAL: the EAL argv built from [dpdk]
 * eal_args, and descriptor counts clamped to a device's limits. */
#include "dpdk_setup.h"
#include "argv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool eal_argv_has(const struct eal_argv *a, const char *opt)
{
	size_t n = strlen(opt);
	for (int i = 1; i < a->argc; i++)
		if (strncmp(a->argv[i], opt, n) == 0 && (a->argv[i][n] == '\0' || a->argv[i][n] == '='))
			return true;
	return false;
}

int eal_argv_build(const char *eal_args, struct eal_argv *a, struct errbuf *why)
{
	const struct argv_buf words = { a->buf + 6, sizeof(a->buf) - 6, a->argv + 1, EAL_MAX_ARGS };
	int n;
	memset(a, 0, sizeof(*a));
	memcpy(a->buf, "scand", 6);
	a->argv[0] = a->buf;
	if ((n = argv_split(eal_args, "[dpdk] eal_args", &words, why)) < 0)
		return n;
	a->argc = n + 1;
	a->len = 6;
	for (int i = 1; i < a->argc; i++)
		a->len += strlen(a->argv[i]) + 1;
	if (eal_argv_has(a, "--no-huge"))
		for (int i = 1; i < a->argc; i++)
			if (strcmp(a->argv[i], "--in-memory") == 0) {
				a->argv[i] = (char *)"--no-shconf";
				snprintf(a->note, sizeof(a->note),
					 "--in-memory with --no-huge runs as --no-shconf (DPDK 22.11 refuses the pair)");
			}
	return 0;
}

int eal_argv_append(struct eal_argv *a, const char *word)
{
	size_t n = strlen(word) + 1;
	if (a->argc >= EAL_MAX_ARGS + 1 || a->len + n > sizeof(a->buf))
		return -E2BIG;
	memcpy(a->buf + a->len, word, n);
	a->argv[a->argc++] = a->buf + a->len;
	a->argv[a->argc] = NULL;
	a->len += n;
	return 0;
}

/* Value of OPT given as "OPT value" or "OPT=value", or NULL. */
static const char *opt_value(const struct eal_argv *a, const char *opt)
{
	size_t n = strlen(opt);
	for (int i = 1; i < a->argc; i++) {
		if (strcmp(a->argv[i], opt) == 0 && i + 1 < a->argc)
			return a->argv[i + 1];
		if (strncmp(a->argv[i], opt, n) == 0 && a->argv[i][n] == '=')
			return a->argv[i] + n + 1;
	}
	return NULL;
}

unsigned eal_argv_mem_mb(const struct eal_argv *a)
{
	const char *v = opt_value(a, "-m");
	unsigned total = 0;
	if (v)
		return (unsigned)strtoul(v, NULL, 10);
	for (v = opt_value(a, "--socket-mem"); v && *v; v += strcspn(v, ","), v += *v == ',')
		total += (unsigned)strtoul(v, NULL, 10);
	return total;
}

uint16_t desc_clamp(uint16_t want, const struct desc_lim *lim)
{
	unsigned v = want, align = lim->nb_align ? lim->nb_align : 1;
	if (lim->nb_max && v > lim->nb_max)
		v = lim->nb_max;
	if (v < lim->nb_min)
		v = lim->nb_min;
	v = (v + align - 1) / align * align;
	while (lim->nb_max && v > lim->nb_max && v >= align)
		v -= align;
	return (uint16_t)v;
}

bool vdev_param(const char *spec, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	val[0] = '\0';
	for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ','))
		if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '=') {
			snprintf(val, len, "%.*s", (int)strcspn(p + 2 + klen, ","), p + 2 + klen);
			return true;
		}
	return false;
}

int dpdk_rx_cover(const char *spec, unsigned queues, unsigned hw_rx, struct errbuf *why)
{
	char iface[64], v[16];
	unsigned count = 1, start = 0;
	if (strncmp(spec, "net_af_xdp", 10) != 0 || !vdev_param(spec, "iface", iface, sizeof(iface)))
		return 0;
	if (vdev_param(spec, "queue_count", v, sizeof(v)))
		count = (unsigned)strtoul(v, NULL, 10);
	if (vdev_param(spec, "start_queue", v, sizeof(v)))
		start = (unsigned)strtoul(v, NULL, 10);
	queues = queues ? queues : 1;
	if (start == 0 && MIN(count, queues) >= hw_rx)
		return 0;
	return errbuf_set(why, -EINVAL,
			  "%s has %u RX queues but %s with queues = %u receives on %u of them (from queue %u): replies on the others would be lost; set queue_count=%u in dpdk_port and queues = %u, or ethtool -L %s combined %u",
			  iface, hw_rx, spec, queues, MIN(count, queues), start, hw_rx, hw_rx, iface,
			  MIN(count, queues));
}
