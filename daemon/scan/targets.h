/* Target and port expression parsers. Targets: IPv4 addresses, CIDRs, ranges
 * "a-b"; IPv6 addresses and prefixes >= /96. Ports: "22,80,8000-8010". */
#pragma once
#include "ranges.h"

#define TARGETS_MAX_EXPR_LEN (1u << 20)	 /* total characters over all strings */
#define TARGETS_MAX_TOKENS 100000u	 /* tokens over all strings */
#define TARGETS_MIN_V6_PREFIX 96u	 /* a /64 is not enumerable */
#define PORTS_MAX_EXPR_LEN 8192u

/* Parses target strings; each string may hold several tokens separated by
 * commas or whitespace. Appends to v4/v6 (initialized by the caller) and
 * normalizes them. max_len/max_tokens: 0 means the defaults above.
 * Errors name the string index, the token, its character position and the
 * fix, e.g. "targets[0] token 2 \"2001:db8::/64\" at position 14: IPv6 prefix
 * /64 is too large to enumerate; use a prefix of /96 or longer or list addresses". */
int targets_parse(const char *const *exprs, size_t n, size_t max_len, size_t max_tokens,
		  struct range_set *v4, struct range_set *v6, struct errbuf *err);

struct port_list {
	uint32_t n;	 /* number of distinct ports, 1..65535 */
	uint16_t *port; /* sorted ascending, unique; owned */
};

/* "22,80,443,8000-8010", "1-65535". Port 0, >65535, reversed ranges, empty
 * tokens are errors naming the token and position. */
int ports_parse(const char *expr, struct port_list *out, struct errbuf *err);
void ports_free(struct port_list *p);
