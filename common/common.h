/* Small shared definitions: address type, array helpers, error buffers.
 * Everything in scand includes this; it has no state. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef unsigned __int128 u128;

/* An IPv4 or IPv6 address in host order. For AF_INET only the low 32 bits
 * of v are used. af is AF_INET or AF_INET6. */
struct ipaddr {
	u128 v;
	uint8_t af;
};

/* Error text carried back to the caller; every message names the problem
 * and, where there is one, the fix. */
struct errbuf {
	char msg[512];
};

static inline int errbuf_set(struct errbuf *e, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int errbuf_set(struct errbuf *e, int r, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* "198.18.0.1" or "2001:db8::1"; buf must hold INET6_ADDRSTRLEN (46). */
const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len);
/* Parses a literal IPv4 or IPv6 address; 0 or -EINVAL. */
int ipaddr_parse(const char *s, struct ipaddr *a);
/* Network-order bytes (4 or 16) from/to struct ipaddr. */
void ipaddr_to_bytes(const struct ipaddr *a, uint8_t *out);
void ipaddr_from_bytes(struct ipaddr *a, int af, const uint8_t *in);
