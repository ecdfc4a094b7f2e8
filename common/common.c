/* Address helpers declared in common.h. */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

void ipaddr_to_bytes(const struct ipaddr *a, uint8_t *out)
{
	int n = a->af == AF_INET ? 4 : 16;
	for (int i = 0; i < n; i++)
		out[i] = (uint8_t)(a->v >> (8 * (n - 1 - i)));
}

void ipaddr_from_bytes(struct ipaddr *a, int af, const uint8_t *in)
{
	int n = af == AF_INET ? 4 : 16;
	a->af = (uint8_t)af;
	a->v = 0;
	for (int i = 0; i < n; i++)
		a->v = (a->v << 8) | in[i];
}

/* Dotted quads by hand: inet_ntop formats IPv4 through printf, and result
 * rows (NDJSON, CSV pages) format millions of addresses. */
static const char *ipv4_str(const uint8_t *b, char *buf)
{
	char *o = buf;
	for (int i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*o++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*o++ = (char)('0' + b[i] / 10 % 10);
		*o++ = (char)('0' + b[i] % 10);
		*o++ = i < 3 ? '.' : '\0';
	}
	return buf;
}

const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len)
{
	uint8_t b[16];
	ipaddr_to_bytes(a, b);
	if (a->af == AF_INET && len >= INET_ADDRSTRLEN)
		return ipv4_str(b, buf);
	if (!inet_ntop(a->af == AF_INET ? AF_INET : AF_INET6, b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int ipaddr_parse(const char *s, struct ipaddr *a)
{
	uint8_t b[16];
	if (inet_pton(AF_INET, s, b) == 1) {
		ipaddr_from_bytes(a, AF_INET, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		ipaddr_from_bytes(a, AF_INET6, b);
		return 0;
	}
	return -EINVAL;
}
