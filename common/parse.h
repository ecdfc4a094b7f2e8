/* Strict parsers for the small value syntaxes that both the config file and
 * job.submit accept: unsigned decimals, MAC addresses, port ranges, shards. */
#pragma once
#include <stdint.h>

#define SHARD_MAX_COUNT 65536

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
int parse_hex_digit(char c);
/* Digits only: no sign, no blanks, no overflow. 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t *v);
/* "02:00:00:00:00:02". 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);
/* "40000-40063" or "40000" -> lo, n. -EINVAL (syntax) or -ERANGE (outside 1-65535, reversed). */
int port_range_parse(const char *s, uint16_t *lo, uint16_t *n);
/* "INDEX/COUNT", digits only on both sides ("0/ 4" is refused). -EINVAL on
 * syntax; -ERANGE (with *index, *count set) unless 1 <= COUNT <= 65536 and
 * INDEX < COUNT. */
int shard_parse(const char *s, uint64_t *index, uint64_t *count);
