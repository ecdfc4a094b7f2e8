/* Helpers the engines share: their counters, the probe of a kernel interface. */
#include "engine.h"
#include "netinfo.h"

#include <string.h>

void queue_counters_load(const struct queue_counters *c, struct engine_qstats *st)
{
	memset(st, 0, sizeof(*st));
	st->tx_packets = atomic_load(&c->tx_packets);
	st->tx_bytes = atomic_load(&c->tx_bytes);
	st->tx_ring_full = atomic_load(&c->tx_full);
	st->rx_packets = atomic_load(&c->rx_packets);
	st->rx_bytes = atomic_load(&c->rx_bytes);
	st->rx_ring_empty = atomic_load(&c->rx_empty);
	st->rx_drops = atomic_load(&c->rx_drops);
}

void engine_caps_iface(const char *ifname, struct engine_caps *caps)
{
	caps->numa_node = netinfo_numa_node(ifname);
	caps->hw_queues = (unsigned)netinfo_rx_queues(ifname);
}
