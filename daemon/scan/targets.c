/* Target and port expression parsers (see targets.h). Every error names the
 * token, where it is, and what to write instead. */
#include "targets.h"
#include "blocklist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool is_sep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

/* "a-b" with both ends the same family; IPv6 ranges at most 2^32 addresses. */
static int parse_range(const char *tok, struct ipaddr *lo, u128 *hi, struct errbuf *e)
{
	char a[64], *dash;
	struct ipaddr b;
	if (snprintf(a, sizeof(a), "%s", tok) >= (int)sizeof(a) || !(dash = strchr(a, '-')))
		return errbuf_set(e, -EINVAL, "token is too long to be an address range");
	*dash = '\0';
	if (ipaddr_parse(a, lo) < 0 || ipaddr_parse(dash + 1, &b) < 0)
		return errbuf_set(e, -EINVAL, "not an address range; write FIRST-LAST, e.g. 198.18.1.10-198.18.1.20");
	if (lo->af != b.af)
		return errbuf_set(e, -EINVAL, "range mixes IPv4 and IPv6");
	if (lo->v > b.v)
		return errbuf_set(e, -EINVAL, "range start is after its end; write %s-%s", dash + 1, a);
	if (lo->af == AF_INET6 && b.v - lo->v >= ((u128)1 << 32))
		return errbuf_set(e, -EINVAL, "IPv6 range has more than 2^32 addresses; split it or list addresses");
	*hi = b.v;
	return 0;
}

static int parse_token(const char *tok, struct range_set *v4, struct range_set *v6,
		       struct errbuf *e)
{
	struct ipaddr lo;
	u128 hi;
	int r;
	if (strlen(tok) > 100)
		return errbuf_set(e, -EINVAL, "token is too long to be an address");
	if (strchr(tok, '-'))
		r = parse_range(tok, &lo, &hi, e);
	else
		r = cidr_parse(tok, &lo, &hi, e);
	if (r < 0)
		return r;
	if (lo.af == AF_INET6 && strchr(tok, '/') &&
	    strtoul(strchr(tok, '/') + 1, NULL, 10) < TARGETS_MIN_V6_PREFIX)
		return errbuf_set(e, -EINVAL,
				  "IPv6 prefix /%lu is too large to enumerate; use a prefix of /%u or longer or list addresses",
				  strtoul(strchr(tok, '/') + 1, NULL, 10), TARGETS_MIN_V6_PREFIX);
	r = ranges_add(lo.af == AF_INET ? v4 : v6, lo.v, hi);
	return r < 0 ? errbuf_set(e, r, "out of memory") : 0;
}

int targets_parse(const char *const *exprs, size_t n, size_t max_len, size_t max_tokens,
		  struct range_set *v4, struct range_set *v6, struct errbuf *err)
{
	size_t total = 0, ntok = 0;
	if (!max_len)
		max_len = TARGETS_MAX_EXPR_LEN;
	if (!max_tokens)
		max_tokens = TARGETS_MAX_TOKENS;
	for (size_t i = 0; i < n; i++)
		total += strlen(exprs[i]);
	if (total > max_len)
		return errbuf_set(err, -E2BIG,
				  "targets expression is %zu characters; the limit is %zu ([scan] max_targets_len); split the scan into several jobs",
				  total, max_len);
	for (size_t i = 0; i < n; i++) {
		const char *s = exprs[i];
		size_t pos = 0, tokno = 0;
		while (s[pos]) {
			char tok[128];
			struct errbuf e;
			size_t len = 0, start;
			while (s[pos] && is_sep(s[pos]))
				pos++;
			if (!s[pos])
				break;
			start = pos;
			while (s[pos] && !is_sep(s[pos]))
				pos++, len++;
			tokno++;
			if (++ntok > max_tokens)
				return errbuf_set(err, -E2BIG,
						  "more than %zu target tokens; use CIDR prefixes or split the scan",
						  max_tokens);
			snprintf(tok, sizeof(tok), "%.*s", (int)MIN(len, sizeof(tok) - 1), s + start);
			if (len >= sizeof(tok) || parse_token(tok, v4, v6, &e) < 0)
				return errbuf_set(err, -EINVAL, "targets[%zu] token %zu \"%.60s\" at position %zu: %s",
						  i, tokno, tok, start,
						  len >= sizeof(tok) ? "token is too long to be an address" : e.msg);
		}
	}
	if (ntok == 0)
		return errbuf_set(err, -EINVAL, "targets is empty; give addresses or prefixes, e.g. \"198.18.1.0/24\"");
	ranges_normalize(v4);
	ranges_normalize(v6);
	return 0;
}

/* One port number at s[0..len); 0 or -EINVAL with the reason in e. */
static int parse_port(const char *s, size_t len, unsigned *out, struct errbuf *e)
{
	unsigned long v = 0;
	if (len == 0 || len > 6)
		return errbuf_set(e, -EINVAL, len ? "not a port number" : "missing port number");
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return errbuf_set(e, -EINVAL, "not a port number; use digits, e.g. 80 or 8000-8010");
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0)
		return errbuf_set(e, -EINVAL, "port 0 is not scannable; use 1-65535");
	if (v > 65535)
		return errbuf_set(e, -EINVAL, "port %lu is out of range 1-65535", v);
	*out = (unsigned)v;
	return 0;
}

static int port_token(const char *tok, size_t len, uint8_t *seen, struct errbuf *e)
{
	const char *dash = memchr(tok, '-', len);
	unsigned lo, hi;
	if (!dash) {
		if (parse_port(tok, len, &lo, e) < 0)
			return -EINVAL;
		hi = lo;
	} else {
		if (parse_port(tok, (size_t)(dash - tok), &lo, e) < 0 ||
		    parse_port(dash + 1, len - (size_t)(dash - tok) - 1, &hi, e) < 0)
			return -EINVAL;
		if (lo > hi)
			return errbuf_set(e, -EINVAL, "range start %u is greater than end %u; write %u-%u",
					  lo, hi, hi, lo);
	}
	for (unsigned p = lo; p <= hi; p++)
		seen[p >> 3] |= (uint8_t)(1u << (p & 7));
	return 0;
}

int ports_parse(const char *expr, struct port_list *out, struct errbuf *err)
{
	uint8_t seen[65536 / 8] = { 0 };
	size_t pos = 0, len = strlen(expr);
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	if (len > PORTS_MAX_EXPR_LEN)
		return errbuf_set(err, -E2BIG, "ports expression is %zu characters; the limit is %u; use ranges like 1-1024",
				  len, PORTS_MAX_EXPR_LEN);
	while (pos < len) {
		size_t start, tlen;
		struct errbuf e;
		while (pos < len && isspace((unsigned char)expr[pos]))
			pos++;
		start = pos;
		while (pos < len && expr[pos] != ',')
			pos++;
		tlen = pos - start;
		while (tlen && isspace((unsigned char)expr[start + tlen - 1]))
			tlen--;
		if (tlen == 0 && (pos < len || start > 0))
			return errbuf_set(err, -EINVAL, "ports: empty entry at position %zu; remove the extra comma", start);
		if (tlen && port_token(expr + start, tlen, seen, &e) < 0)
			return errbuf_set(err, -EINVAL, "ports token \"%.*s\" at position %zu: %s",
					  (int)MIN(tlen, 40), expr + start, start, e.msg);
		pos++; /* the comma */
	}
	for (size_t b = 0; b < sizeof(seen); b++)
		n += (unsigned)__builtin_popcount(seen[b]);
	if (n == 0)
		return errbuf_set(err, -EINVAL, "ports is empty; give e.g. \"22,80,443\" or \"1-65535\"");
	if (!(out->port = malloc(n * sizeof(*out->port))))
		return errbuf_set(err, -ENOMEM, "out of memory");
	for (size_t b = 0; b < sizeof(seen); b++) /* whole empty bytes skipped */
		for (unsigned bits = seen[b]; bits; bits &= bits - 1)
			out->port[out->n++] = (uint16_t)(b * 8 + (unsigned)__builtin_ctz(bits));
	return 0;
}

void ports_free(struct port_list *p)
{
	free(p->port);
	p->port = NULL;
	p->n = 0;
}
