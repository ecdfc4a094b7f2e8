/* DPDK setup arithmetic that needs no EAL: the EAL argv built from [dpdk]
 * eal_args, and descriptor counts clamped to a device's limits. */
#include "dpdk_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends one character of the current word; -E2BIG when the buffer is full. */
static int put(struct eal_argv *a, size_t *len, char c)
{
	if (*len + 1 >= sizeof(a->buf))
		return -E2BIG;
	a->buf[(*len)++] = c;
	return 0;
}

static int end_word(struct eal_argv *a, size_t *len, size_t *start, struct errbuf *why)
{
	if (a->argc > EAL_MAX_ARGS)
		return errbuf_set(why, -EINVAL, "[dpdk] eal_args: more than %d words", EAL_MAX_ARGS);
	a->buf[(*len)++] = '\0';
	a->argv[a->argc++] = a->buf + *start;
	*start = *len;
	return 0;
}

/* Reads one word starting at *s into the buffer; *s ends after it. */
static int read_word(struct eal_argv *a, const char **s, size_t *len, const char *all, struct errbuf *why)
{
	const char *p = *s;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
		char q = *p;
		if (q == '\'' || q == '"') {
			const char *open = p++;
			while (*p && *p != q) {
				if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (put(a, len, *p++) < 0)
					return errbuf_set(why, -EINVAL, "[dpdk] eal_args: longer than %zu characters", sizeof(a->buf) - EAL_MAX_ARGS);
			}
			if (!*p)
				return errbuf_set(why, -EINVAL, "[dpdk] eal_args: unterminated %c quote at position %td; close it",
						  q, open - all + 1);
			p++;
			continue;
		}
		if (q == '\\' && p[1])
			p++;
		if (put(a, len, *p++) < 0)
			return errbuf_set(why, -EINVAL, "[dpdk] eal_args: longer than %zu characters", sizeof(a->buf) - EAL_MAX_ARGS);
	}
	*s = p;
	return 0;
}

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
	const char *s = eal_args ? eal_args : "";
	size_t len = 0, start;
	int r;
	memset(a, 0, sizeof(*a));
	memcpy(a->buf, "scand", 6);
	a->argv[a->argc++] = a->buf;
	len = start = 6;
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		if ((r = read_word(a, &s, &len, eal_args, why)) < 0 || (r = end_word(a, &len, &start, why)) < 0)
			return r;
	}
	if (eal_argv_has(a, "--no-huge"))
		for (int i = 1; i < a->argc; i++)
			if (strcmp(a->argv[i], "--in-memory") == 0) {
				a->argv[i] = (char *)"--no-shconf";
				snprintf(a->note, sizeof(a->note),
					 "--in-memory with --no-huge runs as --no-shconf (DPDK 22.11 refuses the pair)");
			}
	a->argv[a->argc] = NULL;
	a->len = len;
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
