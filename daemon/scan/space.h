/* The scan's index space: allowed hosts (targets minus blocklist) x ports.
 * Index i <-> (host i / nports, port i % nports). Owns copies of its sets. */
#pragma once
#include "blocklist.h"
#include "targets.h"

#define SPACE_MAX_TOTAL (1ull << 48)

struct space {
	struct range_set v4, v6; /* allowed hosts; v4 hosts come first in index order */
	struct port_list ports;
	uint64_t nhosts;
	uint64_t total; /* nhosts * ports.n: the job's `total` */
	uint64_t *cum;	/* cum[k] = hosts in ranges before k (v4 then v6) */
	size_t nranges;
};

/* Takes ownership of v4, v6 and ports (they are moved into s, the caller's
 * structs are reset). Subtracts the blocklist. Errors: everything blocked
 * ("all N targets are in the blocklist"), total > SPACE_MAX_TOTAL. */
int space_build(struct space *s, struct range_set *v4, struct range_set *v6,
		struct port_list *ports, const struct cidr_list *block, struct errbuf *err);
void space_free(struct space *s);
/* idx < total. */
void space_at(const struct space *s, uint64_t idx, struct ipaddr *a, uint16_t *port);
/* Inverse of space_at; -1 when (a, port) is not in the space. */
int64_t space_index(const struct space *s, const struct ipaddr *a, uint16_t port);
