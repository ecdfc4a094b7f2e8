/* Value parsers (see parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

int parse_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* Splits "A<sep>B" into two strict decimals; no separator: *has_b = 0. */
static int parse_pair(const char *s, char sep, uint64_t *a, uint64_t *b, int *has_b)
{
	char buf[32], *mid;
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	mid = strchr(buf, sep);
	*has_b = mid != NULL;
	if (mid)
		*mid = '\0';
	if (parse_u64(buf, a) < 0 || (mid && parse_u64(mid + 1, b) < 0))
		return -EINVAL;
	return 0;
}

int port_range_parse(const char *s, uint16_t *lo, uint16_t *n)
{
	uint64_t x, y = 0;
	int has_y;
	if (parse_pair(s, '-', &x, &y, &has_y) < 0)
		return -EINVAL;
	if (!has_y)
		y = x;
	if (x < 1 || y > 65535 || x > y)
		return -ERANGE;
	*lo = (uint16_t)x;
	*n = (uint16_t)(y - x + 1);
	return 0;
}

int shard_parse(const char *s, uint64_t *index, uint64_t *count)
{
	int has_count;
	if (parse_pair(s, '/', index, count, &has_count) < 0 || !has_count)
		return -EINVAL;
	if (*count < 1 || *count > SHARD_MAX_COUNT || *index >= *count)
		return -ERANGE;
	return 0;
}
