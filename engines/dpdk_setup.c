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
