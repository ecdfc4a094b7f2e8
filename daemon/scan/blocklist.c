/* CIDR lists for the blocklist and the allowlist (see blocklist.h). */
#include "blocklist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void cidr_list_init(struct cidr_list *l)
{
	ranges_init(&l->v4, AF_INET);
	ranges_init(&l->v6, AF_INET6);
}

void cidr_list_free(struct cidr_list *l)
{
	ranges_free(&l->v4);
	ranges_free(&l->v6);
}

/* Parses "ADDR" or "ADDR/LEN" into [lo, hi]; 0 or -EINVAL with err set. */
int cidr_parse(const char *text, struct ipaddr *lo, u128 *hi, struct errbuf *err)
{
	char buf[64];
	char *slash, *end;
	unsigned long len;
	unsigned bits;

	if (strlen(text) >= sizeof(buf))
		return errbuf_set(err, -EINVAL, "\"%.40s...\" is too long for an address", text);
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (ipaddr_parse(buf, lo) < 0)
		return errbuf_set(err, -EINVAL, "\"%s\" is not an IPv4 or IPv6 address", buf);
	bits = lo->af == AF_INET ? 32 : 128;
	len = bits;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || len > bits)
			return errbuf_set(err, -EINVAL,
					  "prefix length \"%s\" in \"%s\" is out of range 0-%u",
					  slash + 1, text, bits);
	}
	u128 host = len == 0 ? (bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1))
			     : (len == bits ? 0 : (((u128)1 << (bits - len)) - 1));
	lo->v &= ~host;
	*hi = lo->v | host;
	return 0;
}

int cidr_list_add(struct cidr_list *l, const char *cidr, struct errbuf *err)
{
	struct ipaddr lo;
	u128 hi;
	int r = cidr_parse(cidr, &lo, &hi, err);
	if (r < 0)
		return r;
	r = ranges_add(lo.af == AF_INET ? &l->v4 : &l->v6, lo.v, hi);
	return r < 0 ? errbuf_set(err, r, "out of memory") : 0;
}

void cidr_list_normalize(struct cidr_list *l)
{
	ranges_normalize(&l->v4);
	ranges_normalize(&l->v6);
}

bool cidr_list_contains(const struct cidr_list *l, const struct ipaddr *a)
{
	return ranges_contains(a->af == AF_INET ? &l->v4 : &l->v6, a->v);
}

int cidr_list_load_file(struct cidr_list *l, const char *path, struct errbuf *err)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return errbuf_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *q;
		struct errbuf e;
		lineno++;
		if ((q = strchr(p, '#')))
			*q = '\0';
		while (isspace((unsigned char)*p))
			p++;
		for (q = p + strlen(p); q > p && isspace((unsigned char)q[-1]);)
			*--q = '\0';
		if (!*p)
			continue;
		if (cidr_list_add(l, p, &e) < 0) {
			fclose(f);
			return errbuf_set(err, -EINVAL, "%s:%u: %s", path, lineno, e.msg);
		}
	}
	fclose(f);
	cidr_list_normalize(l);
	return 0;
}
