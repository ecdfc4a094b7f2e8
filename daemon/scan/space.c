/* The scan index space (see space.h): allowed hosts x ports, with O(log n)
 * mapping both ways. */
#include "space.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const struct range_set *space_set(const struct space *s, size_t k, size_t *i)
{
	if (k < s->v4.n) {
		*i = k;
		return &s->v4;
	}
	*i = k - s->v4.n;
	return &s->v6;
}

int space_build(struct space *s, struct range_set *v4, struct range_set *v6,
		struct port_list *ports, const struct cidr_list *block, struct errbuf *err)
{
	u128 before, hosts;
	memset(s, 0, sizeof(*s));
	s->v4 = *v4;
	s->v6 = *v6;
	s->ports = *ports;
	ranges_init(v4, AF_INET);
	ranges_init(v6, AF_INET6);
	memset(ports, 0, sizeof(*ports));
	before = ranges_count(&s->v4) + ranges_count(&s->v6);
	if (block && (ranges_subtract(&s->v4, &block->v4) < 0 ||
		      ranges_subtract(&s->v6, &block->v6) < 0))
		return errbuf_set(err, -ENOMEM, "out of memory");
	hosts = ranges_count(&s->v4) + ranges_count(&s->v6);
	if (hosts == 0)
		return errbuf_set(err, -EINVAL,
				  "all %llu target addresses are in the blocklist; nothing to scan",
				  (unsigned long long)MIN(before, (u128)UINT64_MAX));
	if (hosts * s->ports.n > SPACE_MAX_TOTAL)
		return errbuf_set(err, -E2BIG,
				  "%llu hosts x %u ports is more than 2^48 probes; split the scan",
				  (unsigned long long)MIN(hosts, (u128)UINT64_MAX), s->ports.n);
	s->nhosts = (uint64_t)hosts;
	s->total = s->nhosts * s->ports.n;
	s->nranges = s->v4.n + s->v6.n;
	if (!(s->cum = malloc((s->nranges + 1) * sizeof(*s->cum))))
		return errbuf_set(err, -ENOMEM, "out of memory");
	s->cum[0] = 0;
	for (size_t k = 0; k < s->nranges; k++) {
		size_t i;
		const struct range_set *rs = space_set(s, k, &i);
		s->cum[k + 1] = s->cum[k] + (uint64_t)(rs->r[i].hi - rs->r[i].lo + 1);
	}
	return 0;
}

void space_free(struct space *s)
{
	ranges_free(&s->v4);
	ranges_free(&s->v6);
	ports_free(&s->ports);
	free(s->cum);
	memset(s, 0, sizeof(*s));
}

void space_at(const struct space *s, uint64_t idx, struct ipaddr *a, uint16_t *port)
{
	uint64_t host = idx / s->ports.n;
	size_t lo = 0, hi = s->nranges - 1, i;
	*port = s->ports.port[idx % s->ports.n];
	while (lo < hi) { /* last k with cum[k] <= host */
		size_t mid = (lo + hi + 1) / 2;
		if (s->cum[mid] <= host)
			lo = mid;
		else
			hi = mid - 1;
	}
	const struct range_set *rs = space_set(s, lo, &i);
	a->af = rs->af;
	a->v = rs->r[i].lo + (host - s->cum[lo]);
}

int64_t space_index(const struct space *s, const struct ipaddr *a, uint16_t port)
{
	const struct range_set *rs = a->af == AF_INET ? &s->v4 : &s->v6;
	size_t base = a->af == AF_INET ? 0 : s->v4.n;
	size_t lo = 0, hi = rs->n, pl = 0, ph = s->ports.n;

	while (lo < hi) { /* first range with hi >= v */
		size_t mid = (lo + hi) / 2;
		if (rs->r[mid].hi < a->v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == rs->n || rs->r[lo].lo > a->v)
		return -1;
	while (pl < ph) {
		size_t mid = (pl + ph) / 2;
		if (s->ports.port[mid] < port)
			pl = mid + 1;
		else
			ph = mid;
	}
	if (pl == s->ports.n || s->ports.port[pl] != port)
		return -1;
	uint64_t host = s->cum[base + lo] + (uint64_t)(a->v - rs->r[lo].lo);
	return (int64_t)(host * s->ports.n + pl);
}
