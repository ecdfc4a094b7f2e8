/* A job's footprint on the host network (see jobnet.h). */
#include "jobnet.h"
#include "hostnet.h"
#include "jobrun.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define PROC_NET "/proc/net"
#define PORT_RANGE "/proc/sys/net/ipv4/ip_local_port_range"

static const int families[] = { AF_INET, AF_INET6 };

static bool job_uses_nic(const struct job *j, const struct nic *n)
{
	for (unsigned i = 0; i < j->spec.nnics; i++)
		if (strcmp(j->spec.nics[i], n->conf.name) == 0)
			return true;
	return false;
}

static bool job_has_family(const struct job *j, int af)
{
	return af == AF_INET ? j->space.v4.n > 0 : j->space.v6.n > 0;
}

typedef int (*source_fn)(const struct job *j, const struct ipaddr *src, void *arg);

/* The one policy for the filter, the listener and range checks and the
 * reservation: the addresses j sends from on n, in the families its targets
 * have (a v4-only job takes nothing addressed to the NIC's v6 address). Calls
 * fn for each; stops at the first non-zero return. */
static int nic_sources(const struct job *j, const struct nic *n, source_fn fn, void *arg)
{
	for (size_t k = 0; k < ARRAY_SIZE(families); k++) {
		struct ipaddr src;
		int r;
		if (job_has_family(j, families[k]) && job_source(j, n, families[k], &src) &&
		    (r = fn(j, &src, arg)) != 0)
			return r;
	}
	return 0;
}

/* The entry of job j's replies to address a: its protocol and source
 * ports, or its echo id and tag (probe_rx_match). */
static int filter_add(const struct job *j, const struct ipaddr *a, void *arg)
{
	struct rx_filter *f = arg;
	struct probe_rx_match m;
	struct validator v = { .sport_lo = j->spec.sport_lo, .sport_n = j->spec.sport_n };
	memcpy(v.key, j->key, sizeof(v.key));
	probe_rx_match(&j->spec.probe.args, &v, &m);
	if (f->n == ENGINE_MAX_FILTER)
		return 0;
	for (unsigned i = 0; i < f->n; i++)
		if (f->e[i].dst.af == a->af && f->e[i].dst.v == a->v && f->e[i].proto == m.proto &&
		    f->e[i].port_lo == m.lo && f->e[i].port_hi == m.hi && f->e[i].tag == m.tag)
			return 0;
	f->e[f->n].dst = *a;
	f->e[f->n].port_lo = m.lo;
	f->e[f->n].port_hi = m.hi;
	f->e[f->n].proto = m.proto;
	f->e[f->n].tag = m.tag;
	f->n++;
	return 0;
}

void jobnet_filters(struct nics *ns, const struct job *head, const struct job *skip)
{
	for (unsigned k = 0; k < ns->n; k++) {
		struct nic *n = &ns->nic[k];
		struct rx_filter f = { 0 };
		if (!n->up)
			continue;
		for (const struct job *j = head; j; j = j->next)
			if (j != skip && (j->state == JOB_RUNNING || j->state == JOB_COOLDOWN) && job_uses_nic(j, n))
				nic_sources(j, n, filter_add, &f);
		int r = nic_set_filter(n, &f);
		if (r < 0)
			log_errno(r, "%s: cannot update the RX filter", n->conf.name);
	}
}

static bool same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->af && a->af == b->af && a->v == b->v;
}

/* source_ip must be one an operator configured for the job's NICs: [scan]
 * source_ip / source_ips, the NIC's [nic] source_ip, or the NIC's own
 * address (what the job would use anyway). */
static bool source_allowed(const struct job *j, struct nics *ns, const struct config *cfg)
{
	const struct ipaddr *ip = &j->spec.source_ip;
	if (same_addr(ip, &cfg->source_ip) && cfg->has_source_ip)
		return true;
	for (unsigned i = 0; i < cfg->nsource_ips; i++)
		if (same_addr(ip, &cfg->source_ips[i]))
			return true;
	for (unsigned i = 0; i < j->spec.nnics; i++) {
		const struct nic *n = nics_find(ns, j->spec.nics[i]);
		if (n && ((n->conf.has_source_ip && same_addr(ip, &n->conf.source_ip)) ||
			  same_addr(ip, &n->src4) || same_addr(ip, &n->src6)))
			return true;
	}
	return false;
}

/* nic_sources() over every NIC of the job. */
static int each_source(const struct job *j, struct nics *ns, source_fn fn, void *arg)
{
	for (unsigned i = 0; i < j->spec.nnics; i++) {
		const struct nic *n = nics_find(ns, j->spec.nics[i]);
		int r = n ? nic_sources(j, n, fn, arg) : 0;
		if (r != 0)
			return r;
	}
	return 0;
}

/* The job's replies come to its source ports (tcp_syn, udp); an icmp_echo
 * job uses none: no port of the host's is at stake. */
static bool job_uses_ports(const struct job *j)
{
	return j->spec.probe.args.mod->rx_proto != IPPROTO_ICMP;
}

/* A host socket of the job's transport on one of its source ports would
 * lose what is sent to it to the scan: a TCP listener, a bound UDP socket
 * (a udp job). */
static int check_listener(const struct job *j, const struct ipaddr *src, void *arg)
{
	struct job_error *err = arg;
	int proto = j->spec.probe.args.mod->rx_proto;
	char a[64];
	uint16_t port;
	if (!job_uses_ports(j) || !hostnet_addr_local(src) ||
	    hostnet_listener(PROC_NET, proto, src, j->spec.sport_lo, j->spec.sport_n, &port) != 1)
		return 0;
	return job_error_set(err, JOB_ERR_INVALID, "source_ports",
			     "source port %u has a %s on %s (a service of this host, which the scan would cut off); pick source_ports without it",
			     port, proto == IPPROTO_UDP ? "bound UDP socket" : "listening socket",
			     ipaddr_str(src, a, sizeof(a)));
}

/* A free range of n ports next to the host's [lo, hi], for the message. */
static void ports_beside(unsigned n, unsigned lo, unsigned hi, char *buf, size_t len)
{
	if (hi + n <= 65535)
		snprintf(buf, len, "e.g. %u-%u", hi + 1, hi + n);
	else if (lo >= 1024 + n)
		snprintf(buf, len, "e.g. %u-%u", lo - n, lo - 1);
	else
		snprintf(buf, len, "after narrowing the host's range (sysctl -w net.ipv4.ip_local_port_range=\"32768 60999\")");
}

/* The host picks its own connections' source ports from its ephemeral range:
 * a job sending from a host address must keep out of it, or it takes their
 * replies (and its reservation can leave the host no port to connect from). */
static int check_ephemeral(const struct job *j, const struct ipaddr *src, void *arg)
{
	struct job_error *err = arg;
	unsigned a = j->spec.sport_lo, b = a + j->spec.sport_n - 1;
	uint16_t lo, hi;
	char addr[64], fix[128];
	if (!job_uses_ports(j) || !hostnet_addr_local(src) || hostnet_ephemeral_range(PORT_RANGE, &lo, &hi) < 0 ||
	    b < lo || a > hi)
		return 0;
	ports_beside(j->spec.sport_n, lo, hi, fix, sizeof(fix));
	return job_error_set(err, JOB_ERR_INVALID, "source_ports",
			     "source_ports %u-%u overlap the host's ephemeral port range %u-%u (net.ipv4.ip_local_port_range), from which the host picks the source ports of its own connections; the job sends from the host's address %s, so it would take their replies: pick source_ports outside %u-%u, %s",
			     a, b, lo, hi, ipaddr_str(src, addr, sizeof(addr)), lo, hi, fix);
}

int jobnet_check(const struct job *j, struct nics *ns, const struct config *cfg,
		 struct job_error *err)
{
	char a[64];
	if (j->spec.has_source_ip && !source_allowed(j, ns, cfg))
		return job_error_set(err, JOB_ERR_INVALID, "source_ip",
				     "source_ip %s is not an address configured for the job's NICs; use one of them (daemon.info lists each NIC's source_ip) or add it to [scan] source_ips",
				     ipaddr_str(&j->spec.source_ip, a, sizeof(a)));
	if (each_source(j, ns, check_listener, err) != 0)
		return -EINVAL;
	return each_source(j, ns, check_ephemeral, err) != 0 ? -EINVAL : 0;
}

static int is_local(const struct job *j, const struct ipaddr *src, void *arg)
{
	(void)j;
	(void)arg;
	return hostnet_addr_local(src);
}

int jobnet_reserve(const struct job *j, struct nics *ns, struct hostports *hp, struct errbuf *err)
{
	int r;
	if (!job_uses_ports(j) || !each_source(j, ns, is_local, NULL))
		return 0;
	r = hostports_reserve(hp, j->id, j->spec.sport_lo, j->spec.sport_n);
	if (r < 0)
		return errbuf_set(err, r,
				  "cannot reserve source ports %u-%u in %s (%s): the host could pick them for its own connections; scand needs CAP_NET_ADMIN",
				  j->spec.sport_lo, j->spec.sport_lo + j->spec.sport_n - 1, hp->sysctl,
				  strerror(-r));
	log_info("job %s: source ports %u-%u reserved in %s (it sends from a host address)", j->id,
		 j->spec.sport_lo, j->spec.sport_lo + j->spec.sport_n - 1, hp->sysctl);
	return 0;
}

void jobnet_release(const struct job *j, struct hostports *hp)
{
	hostports_release(hp, j->id);
}
