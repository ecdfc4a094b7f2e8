/* Host addresses and listening sockets (see hostnet.h). */
#include "hostnet.h"
#include "netinfo.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

bool hostnet_addr_local(const struct ipaddr *a)
{
	return netinfo_addr_local(a) == 1;
}

/* The 16 address bytes /proc/net/tcp6 prints for an IPv6 address, or for
 * an IPv4 one in ::ffff:a.b.c.d form; the 4 bytes /proc/net/tcp prints. */
static void proc_words(const struct ipaddr *a, bool v6file, uint32_t w[4])
{
	uint8_t b[16] = { 0 };
	if (a->af == AF_INET6) {
		ipaddr_to_bytes(a, b);
	} else if (v6file) {
		b[10] = b[11] = 0xff;
		ipaddr_to_bytes(a, b + 12);
	} else {
		ipaddr_to_bytes(a, b);
	}
	memcpy(w, b, 16); /* the kernel prints each 32-bit word in host order */
}

static bool words_match(const uint32_t *got, const uint32_t *want, unsigned n)
{
	bool any = true;
	for (unsigned i = 0; i < n; i++)
		any = any && got[i] == 0;
	return any || memcmp(got, want, n * sizeof(*got)) == 0; /* wildcard or exact */
}

/* Scans one of /proc/net/tcp{,6} for a LISTEN socket (state 0A). */
static int scan_file(const char *path, bool v6, const struct ipaddr *a, uint16_t lo, uint16_t n,
		     uint16_t *port)
{
	char line[512];
	uint32_t want[4];
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	proc_words(a, v6, want);
	while (fgets(line, sizeof(line), f)) {
		uint32_t w[4] = { 0 };
		unsigned p, st;
		int ok = v6 ? sscanf(line, " %*d: %8X%8X%8X%8X:%X %*X:%*X %X", &w[0], &w[1], &w[2], &w[3], &p, &st) == 6
			    : sscanf(line, " %*d: %8X:%X %*X:%*X %X", &w[0], &p, &st) == 3;
		if (!ok || st != 0x0A || p < lo || p >= (unsigned)lo + n)
			continue;
		if (words_match(w, want, v6 ? 4 : 1)) {
			*port = (uint16_t)p;
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

int hostnet_listener(const char *proc_net, const struct ipaddr *a, uint16_t lo, uint16_t n,
		     uint16_t *port)
{
	char path[256];
	int r = 0;
	if (a->af == AF_INET) {
		snprintf(path, sizeof(path), "%s/tcp", proc_net);
		r = scan_file(path, false, a, lo, n, port);
	}
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/tcp6", proc_net);
		r = scan_file(path, true, a, lo, n, port);
	}
	return r;
}

int hostnet_ephemeral_range(const char *path, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int n = fscanf(f, "%u %u", &a, &b);
	fclose(f);
	if (n != 2 || a < 1 || a > b || b > 65535)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}
