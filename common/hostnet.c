/* Host addresses and listening sockets (see hostnet.h). */
#include "hostnet.h"
#include "netinfo.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool hostnet_addr_local(const struct ipaddr *a)
{
	return netinfo_addr_local(a) == 1;
}

/* "0100007F" (a network-order word the kernel prints in host order) or 32
 * such hex digits for IPv6 -> address; IPv4-mapped IPv6 becomes IPv4. */
static int proc_addr(const char *hex, size_t n, struct ipaddr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t b[16];
	if (n != 8 && n != 32)
		return -EINVAL;
	for (size_t w = 0; w < n / 8; w++) {
		char word[9];
		memcpy(word, hex + 8 * w, 8);
		word[8] = '\0';
		uint32_t x = (uint32_t)strtoul(word, NULL, 16);
		memcpy(b + 4 * w, &x, 4);
	}
	if (n == 32 && !memcmp(b, mapped, 12))
		ipaddr_from_bytes(a, AF_INET, b + 12);
	else
		ipaddr_from_bytes(a, n == 8 ? AF_INET : AF_INET6, b);
	return 0;
}

/* "0A7100CB:0016" -> address and port. */
static int proc_endpoint(const char *s, struct ipaddr *a, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	unsigned p;
	if (!colon || sscanf(colon + 1, "%x", &p) != 1 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return proc_addr(s, (size_t)(colon - s), a);
}

/* "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode" */
static int tcp_file(const char *path, bool v6, int (*fn)(const struct tcp_row *, void *), void *arg)
{
	char line[512], local[64], remote[64];
	int r = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		struct tcp_row row = { .v6file = v6 };
		if (sscanf(line, " %*d: %63s %63s %X %*s %*s %*s %*u %*u %lu", local, remote, &row.state,
			   &row.inode) < 3 ||
		    proc_endpoint(local, &row.local, &row.lport) < 0 ||
		    proc_endpoint(remote, &row.remote, &row.rport) < 0)
			continue; /* the header; a short row (tests) has no inode: 0 */
		r = fn(&row, arg);
	}
	fclose(f);
	return r;
}

/* proc_net/NAME, then proc_net/NAME6 (tcp, udp: the same row format). */
static int proto_each(const char *proc_net, const char *name, int (*fn)(const struct tcp_row *r, void *arg),
		      void *arg)
{
	char path[512];
	int r;
	snprintf(path, sizeof(path), "%s/%s", proc_net, name);
	if ((r = tcp_file(path, false, fn, arg)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s6", proc_net, name);
	return tcp_file(path, true, fn, arg);
}

int hostnet_tcp_each(const char *proc_net, int (*fn)(const struct tcp_row *r, void *arg), void *arg)
{
	return proto_each(proc_net, "tcp", fn, arg);
}

struct listen_q {
	const struct ipaddr *a;
	uint16_t lo, n, *port;
	bool any_state; /* UDP: every bound socket receives */
};

static bool unspecified(const struct ipaddr *a)
{
	return a->v == 0;
}

/* A LISTEN row in the range that takes connections to q->a: bound to it, or
 * to the wildcard of its family (an IPv6 wildcard takes IPv4 too). */
static int listens(const struct tcp_row *r, void *arg)
{
	struct listen_q *q = arg;
	if ((!q->any_state && r->state != TCP_LISTEN_ST) || r->lport < q->lo ||
	    r->lport >= (unsigned)q->lo + q->n)
		return 0;
	if (q->a->af == AF_INET6 && !r->v6file)
		return 0;
	if (!(unspecified(&r->local) || (r->local.af == q->a->af && r->local.v == q->a->v)))
		return 0;
	*q->port = r->lport;
	return 1;
}

int hostnet_listener(const char *proc_net, int proto, const struct ipaddr *a, uint16_t lo, uint16_t n,
		     uint16_t *port)
{
	struct listen_q q = { a, lo, n, port, proto == IPPROTO_UDP };
	return proto_each(proc_net, proto == IPPROTO_UDP ? "udp" : "tcp", listens, &q);
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
