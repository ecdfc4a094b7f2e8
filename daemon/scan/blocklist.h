/* Blocklist and allowlist: CIDR lists for both families, loaded from a file
 * (one CIDR per line, '#' comments) or from strings. */
#pragma once
#include "ranges.h"

struct cidr_list {
	struct range_set v4, v6;
};

void cidr_list_init(struct cidr_list *l);
void cidr_list_free(struct cidr_list *l);
/* Adds one CIDR or single address ("10.0.0.0/8", "2001:db8::/32",
 * "255.255.255.255"). Error names the text. -EINVAL / -ENOMEM. */
int cidr_list_add(struct cidr_list *l, const char *cidr, struct errbuf *err);
/* Loads a file; errors name path and line number. Normalizes. */
int cidr_list_load_file(struct cidr_list *l, const char *path, struct errbuf *err);
/* Sorts/merges both families. */
void cidr_list_normalize(struct cidr_list *l);
bool cidr_list_contains(const struct cidr_list *l, const struct ipaddr *a);
/* Parses "ADDR" or "ADDR/LEN" (host bits cleared) into lo and the last address hi. */
int cidr_parse(const char *text, struct ipaddr *lo, u128 *hi, struct errbuf *err);
