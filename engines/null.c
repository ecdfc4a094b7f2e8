/* The null engine: opens N queues on no NIC, counts and discards every
 * probe, receives nothing. For tests and the generation benchmark. */
#include "engine.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct null_queue {
	_Atomic uint64_t tx_packets, tx_bytes, rx_empty; /* written by the worker */
	uint8_t frames[ENGINE_MAX_BURST][ENGINE_FRAME_MIN]; /* lent by tx_frames */
};

static int null_probe(const struct engine_conf *conf, struct engine_caps *caps, struct errbuf *why)
{
	(void)why;
	*caps = (struct engine_caps){ .numa_node = 0, .hw_queues = conf->queues ? conf->queues : 1 };
	return 0;
}

static int null_open(struct engine *e, const struct engine_conf *conf, struct errbuf *why)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	unsigned n = conf->queues ? conf->queues : 1;
	struct null_queue *q = calloc(n, sizeof(*q));
	if (!q)
		return errbuf_set(why, -ENOMEM, "%s: out of memory", conf->name);
	snprintf(e->ifname, sizeof(e->ifname), "%s", conf->name);
	memcpy(e->mac, mac, 6);
	e->nqueues = e->nrxqueues = n;
	e->mtu = 1500;
	e->numa_node = 0;
	snprintf(e->mode, sizeof(e->mode), "null");
	e->priv = q;
	return 0;
}

static void null_close(struct engine *e)
{
	free(e->priv);
	e->priv = NULL;
}

static unsigned null_tx_frames(struct engine *e, unsigned q, uint8_t **bufs, unsigned n)
{
	struct null_queue *nq = (struct null_queue *)e->priv + q;
	n = MIN(n, (unsigned)ENGINE_MAX_BURST);
	for (unsigned i = 0; i < n; i++)
		bufs[i] = nq->frames[i];
	return n;
}

static unsigned null_tx_submit(struct engine *e, unsigned q, const uint16_t *lens, unsigned k)
{
	struct null_queue *nq = (struct null_queue *)e->priv + q;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < k; i++)
		bytes += lens[i];
	atomic_fetch_add_explicit(&nq->tx_packets, k, memory_order_relaxed);
	atomic_fetch_add_explicit(&nq->tx_bytes, bytes, memory_order_relaxed);
	return k;
}

static unsigned null_rx(struct engine *e, unsigned q, struct pkt *pkts, unsigned n)
{
	struct null_queue *nq = (struct null_queue *)e->priv + q;
	(void)pkts;
	(void)n;
	atomic_fetch_add_explicit(&nq->rx_empty, 1, memory_order_relaxed);
	return 0;
}

static int null_set_filter(struct engine *e, const struct rx_filter *f)
{
	(void)e;
	(void)f;
	return 0;
}

static void null_stats(struct engine *e, unsigned q, struct engine_qstats *st)
{
	struct null_queue *nq = (struct null_queue *)e->priv + q;
	memset(st, 0, sizeof(*st));
	st->tx_packets = atomic_load(&nq->tx_packets);
	st->tx_bytes = atomic_load(&nq->tx_bytes);
	st->rx_ring_empty = atomic_load(&nq->rx_empty);
}

const struct engine_ops engine_null_ops = {
	.name = "null",
	.probe = null_probe,
	.open = null_open,
	.close = null_close,
	.tx_frames = null_tx_frames,
	.tx_submit = null_tx_submit,
	.rx_burst = null_rx,
	.set_filter = null_set_filter,
	.stats = null_stats,
};
