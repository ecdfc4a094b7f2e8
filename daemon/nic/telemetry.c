/* Telemetry (see telemetry.h). Counters come from the engines' stats()
 * (never sysfs tx_packets: ENA does not count XDP TX there) and from ena.c. */
#include "telemetry.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int engine_counters(void *ctx, const char *const *names, unsigned n, uint64_t *vals, bool *found)
{
	struct engine *e = ctx;
	return e->ops->counters(e, names, n, vals, found);
}

/* How much a counter grew since before; a NIC re-opened (ethtool -L, a
 * reload) restarts its counters from 0. */
static uint64_t growth(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

/* Share of the tick each worker spent sending/receiving; the busiest one. */
static void busy_tick(struct nic_stats *s, const struct nic *n)
{
	s->busy_max = 0;
	for (unsigned q = 0; n->up && q < n->nworkers && q < ENGINE_MAX_QUEUES; q++) {
		const struct worker *w = &n->workers[q];
		uint64_t busy = atomic_load(&w->busy_ns), total = atomic_load(&w->total_ns);
		uint64_t dtotal = growth(total, s->last_total_ns[q]);
		s->busy[q] = dtotal ? (double)growth(busy, s->last_busy_ns[q]) / (double)dtotal : 0;
		s->last_busy_ns[q] = busy;
		s->last_total_ns[q] = total;
		s->busy_max = MAX(s->busy_max, s->busy[q]);
	}
}

static void ena_tick(struct nic_stats *s, struct nic *n)
{
	if (s->ena.ifname[0] == '\0')
		ena_init(&s->ena, n->conf.name, n->conf.ena_counters_file);
	/* an engine with its own counters (DPDK xstats: no kernel interface to ask) */
	s->ena.named = n->up && n->eng.ops->counters ? engine_counters : NULL;
	s->ena.named_ctx = &n->eng;
	int r = ena_read(&s->ena);
	if (r < 0 && r != s->ena_error)
		log_errno(r, "%s: cannot read ENA counters%s%s", n->conf.name,
			  s->ena.file ? " from " : "", s->ena.file ? s->ena.file : "");
	s->ena_error = r;
}

unsigned nic_queues(const struct nic *n)
{
	return n->up ? MIN(MAX(n->eng.nqueues, n->eng.nrxqueues), (unsigned)ENGINE_MAX_QUEUES) : 0;
}

static void qstats_add(struct engine_qstats *sum, const struct engine_qstats *st)
{
	sum->tx_packets += st->tx_packets;
	sum->rx_packets += st->rx_packets;
	sum->tx_ring_full += st->tx_ring_full;
	sum->rx_drops += st->rx_drops;
	sum->invalid_descs += st->invalid_descs;
}

/* Sums the engine's queue counters into sum and keeps each queue's RX
 * counters in s. */
static void queues_sum(struct nic *n, struct engine_qstats *sum, struct nic_stats *s)
{
	memset(sum, 0, sizeof(*sum));
	s->nq = nic_queues(n);
	for (unsigned q = 0; q < s->nq; q++) {
		struct engine_qstats st = { 0 };
		n->eng.ops->stats(&n->eng, q, &st);
		s->q_rx[q] = st.rx_packets;
		s->q_drops[q] = st.rx_drops;
		qstats_add(sum, &st);
	}
}

static void nic_tick(struct nic_stats *s, struct nic *n, double dt)
{
	struct engine_qstats sum;
	uint64_t unserved = n->up && n->eng.ops->rx_unserved ? n->eng.ops->rx_unserved(&n->eng) : 0;
	queues_sum(n, &sum, s);
	s->lost_delta = growth(sum.rx_drops, s->rx_drops) + growth(unserved, s->unserved);
	s->rx_drops = sum.rx_drops;
	s->unserved = unserved;
	busy_tick(s, n);
	s->tx_pps = dt > 0 ? (double)growth(sum.tx_packets, s->tx) / dt : 0;
	s->rx_pps = dt > 0 ? (double)growth(sum.rx_packets, s->rx) / dt : 0;
	s->tx_full_delta = growth(sum.tx_ring_full, s->tx_full);
	s->tx = sum.tx_packets;
	s->rx = sum.rx_packets;
	s->tx_full = sum.tx_ring_full;
	s->invalid_descs = sum.invalid_descs;
	ena_tick(s, n);
}

void telemetry_tick(struct telemetry *t, struct nics *ns, double dt)
{
	for (unsigned i = 0; i < ns->n; i++)
		nic_tick(&t->nic[i], &ns->nic[i], dt);
}

const struct nic_stats *telemetry_nic(const struct telemetry *t, const struct nic *n)
{
	return &t->nic[n->index];
}

double telemetry_tx_pps(const struct telemetry *t, const struct nics *ns)
{
	double total = 0;
	for (unsigned i = 0; i < ns->n; i++)
		total += t->nic[i].tx_pps;
	return total;
}

static cJSON *ena_json(const struct ena *e)
{
	cJSON *o, *delta;
	if (!e->present)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	delta = cJSON_CreateObject();
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		if (e->index[c] < 0) {
			cJSON_AddNullToObject(o, ena_counter_names[c]);
			continue;
		}
		cJSON_AddNumberToObject(o, ena_counter_names[c], (double)e->value[c]);
		cJSON_AddNumberToObject(delta, ena_counter_names[c], (double)e->delta[c]);
	}
	cJSON_AddItemToObject(o, "delta", delta);
	cJSON_AddStringToObject(o, "source", e->file ? "file" : "ethtool");
	return o;
}

static cJSON *queue_json(unsigned q, bool rx_only, const struct engine_qstats *st, double busy)
{
	cJSON *qo = cJSON_CreateObject();
	cJSON_AddNumberToObject(qo, "queue", q);
	cJSON_AddBoolToObject(qo, "rx_only", rx_only);
	cJSON_AddNumberToObject(qo, "tx_packets", (double)st->tx_packets);
	cJSON_AddNumberToObject(qo, "rx_packets", (double)st->rx_packets);
	cJSON_AddNumberToObject(qo, "tx_ring_full", (double)st->tx_ring_full);
	cJSON_AddNumberToObject(qo, "rx_drops", (double)st->rx_drops);
	cJSON_AddNumberToObject(qo, "rx_ring_empty", (double)st->rx_ring_empty);
	cJSON_AddNumberToObject(qo, "invalid_descs", (double)st->invalid_descs);
	cJSON_AddNumberToObject(qo, "busy", busy);
	return qo;
}

/* Probes sent and replies validated per probe module, summed over the
 * NIC's workers since scand started. */
static void module_counts(const struct nic *n, unsigned m, uint64_t *sent, uint64_t *replies)
{
	*sent = *replies = 0;
	for (unsigned q = 0; n->up && q < n->nworkers; q++) {
		*sent += atomic_load_explicit(&n->workers[q].mod_sent[m], memory_order_relaxed);
		*replies += atomic_load_explicit(&n->workers[q].mod_replies[m], memory_order_relaxed);
	}
}

static cJSON *modules_json(const struct nic *n)
{
	cJSON *o = cJSON_CreateObject();
	for (unsigned m = 0; m < PROBE_NMODULES; m++) {
		uint64_t sent, replies;
		cJSON *c = cJSON_AddObjectToObject(o, probe_module_get((enum probe_module_id)m)->name);
		module_counts(n, m, &sent, &replies);
		cJSON_AddNumberToObject(c, "sent", (double)sent);
		cJSON_AddNumberToObject(c, "replies", (double)replies);
	}
	return o;
}

cJSON *telemetry_nic_json(const struct telemetry *t, struct nic *n)
{
	const struct nic_stats *s = telemetry_nic(t, n);
	cJSON *o = cJSON_CreateObject(), *qs = cJSON_CreateArray();
	struct engine_qstats sum = { 0 };
	for (unsigned q = 0; q < nic_queues(n); q++) {
		struct engine_qstats st = { 0 };
		n->eng.ops->stats(&n->eng, q, &st);
		cJSON_AddItemToArray(qs, queue_json(q, q >= n->eng.nqueues, &st, s->busy[q]));
		qstats_add(&sum, &st);
	}
	cJSON_AddStringToObject(o, "name", n->conf.name);
	cJSON_AddStringToObject(o, "state", n->up ? "up" : "failed");
	cJSON_AddNumberToObject(o, "tx_packets", (double)sum.tx_packets);
	cJSON_AddNumberToObject(o, "rx_packets", (double)sum.rx_packets);
	cJSON_AddNumberToObject(o, "tx_pps", s->tx_pps);
	cJSON_AddNumberToObject(o, "rx_pps", s->rx_pps);
	cJSON_AddNumberToObject(o, "drops", (double)sum.rx_drops);
	cJSON_AddNumberToObject(o, "rx_unserved", (double)s->unserved);
	cJSON_AddNumberToObject(o, "tx_ring_full", (double)sum.tx_ring_full);
	cJSON_AddNumberToObject(o, "invalid_descs", (double)sum.invalid_descs);
	cJSON_AddNumberToObject(o, "busy_max", s->busy_max);
	cJSON_AddItemToObject(o, "queues", qs);
	cJSON_AddItemToObject(o, "probes", modules_json(n));
	cJSON_AddItemToObject(o, "ena", ena_json(&s->ena));
	return o;
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_counters(const struct telemetry *t, const struct nics *ns, FILE *f)
{
	static const struct {
		const char *name, *help;
		size_t off; /* offset of a uint64_t counter in struct nic_stats */
	} m[] = {
		{ "scand_nic_tx_packets_total", "Probes sent by the NIC's engine.", offsetof(struct nic_stats, tx) },
		{ "scand_nic_rx_packets_total", "Frames the NIC's engine received.", offsetof(struct nic_stats, rx) },
		{ "scand_nic_tx_ring_full_total", "TX bursts that found the ring full.", offsetof(struct nic_stats, tx_full) },
		{ "scand_nic_invalid_descs_total", "Descriptors the kernel rejected (AF_XDP).", offsetof(struct nic_stats, invalid_descs) },
		{ "scand_nic_rx_drops_total", "Frames the engine's RX queues dropped (ring full).", offsetof(struct nic_stats, rx_drops) },
		{ "scand_nic_rx_unserved_total", "Scan replies on an RX queue without a socket (lost to the kernel).", offsetof(struct nic_stats, unserved) },
	};
	for (size_t k = 0; k < ARRAY_SIZE(m); k++) {
		prom_head(f, m[k].name, "counter", m[k].help);
		for (unsigned i = 0; i < ns->n; i++)
			fprintf(f, "%s{nic=\"%s\"} %llu\n", m[k].name, ns->nic[i].conf.name,
				(unsigned long long)*(const uint64_t *)((const char *)&t->nic[i] + m[k].off));
	}
}

static void prom_ena(const struct telemetry *t, const struct nics *ns, FILE *f)
{
	char name[96];
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		bool gauge = c == ENA_CONNTRACK_AVAILABLE;
		snprintf(name, sizeof(name), "scand_ena_%s%s", ena_counter_names[c], gauge ? "" : "_total");
		prom_head(f, name, gauge ? "gauge" : "counter", "ENA allowance counter (ethtool -S).");
		for (unsigned i = 0; i < ns->n; i++)
			if (t->nic[i].ena.present && t->nic[i].ena.index[c] >= 0)
				fprintf(f, "%s{nic=\"%s\"} %llu\n", name, ns->nic[i].conf.name,
					(unsigned long long)t->nic[i].ena.value[c]);
	}
}

/* Per queue (TX and RX-only), as of the last tick: frames received and dropped. */
static void prom_queues(const struct telemetry *t, const struct nics *ns, FILE *f)
{
	static const char *const names[] = { "scand_queue_rx_packets_total", "scand_queue_rx_drops_total" };
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		prom_head(f, names[k], "counter", k ? "Frames an RX queue dropped." : "Frames an RX queue received.");
		for (unsigned i = 0; i < ns->n; i++)
			for (unsigned q = 0; q < t->nic[i].nq; q++)
				fprintf(f, "%s{nic=\"%s\",queue=\"%u\"} %llu\n", names[k], ns->nic[i].conf.name, q,
					(unsigned long long)(k ? t->nic[i].q_drops[q] : t->nic[i].q_rx[q]));
	}
}

static void prom_modules(const struct nics *ns, FILE *f)
{
	static const char *const names[2] = { "scand_probes_sent_total", "scand_probe_replies_total" };
	static const char *const help[2] = { "Probes a NIC sent, by probe module.",
					     "Replies a NIC's workers validated, by probe module." };
	for (int k = 0; k < 2; k++) {
		prom_head(f, names[k], "counter", help[k]);
		for (unsigned i = 0; i < ns->n; i++)
			for (unsigned m = 0; m < PROBE_NMODULES; m++) {
				uint64_t c[2];
				module_counts(&ns->nic[i], m, &c[0], &c[1]);
				fprintf(f, "%s{nic=\"%s\",module=\"%s\"} %llu\n", names[k], ns->nic[i].conf.name,
					probe_module_get((enum probe_module_id)m)->name, (unsigned long long)c[k]);
			}
	}
}

void telemetry_prometheus(const struct telemetry *t, const struct nics *ns, FILE *f)
{
	prom_counters(t, ns, f);
	prom_modules(ns, f);
	prom_head(f, "scand_nic_tx_pps", "gauge", "Probes per second in the last tick.");
	for (unsigned i = 0; i < ns->n; i++)
		fprintf(f, "scand_nic_tx_pps{nic=\"%s\"} %.1f\n", ns->nic[i].conf.name, t->nic[i].tx_pps);
	prom_head(f, "scand_nic_up", "gauge", "1 when the NIC's engine is open.");
	for (unsigned i = 0; i < ns->n; i++)
		fprintf(f, "scand_nic_up{nic=\"%s\"} %d\n", ns->nic[i].conf.name, ns->nic[i].up);
	prom_head(f, "scand_worker_busy_ratio", "gauge", "Share of the last tick a queue worker was busy.");
	for (unsigned i = 0; i < ns->n; i++)
		for (unsigned q = 0; ns->nic[i].up && q < ns->nic[i].eng.nqueues && q < ENGINE_MAX_QUEUES; q++)
			fprintf(f, "scand_worker_busy_ratio{nic=\"%s\",queue=\"%u\"} %.3f\n",
				ns->nic[i].conf.name, q, t->nic[i].busy[q]);
	prom_queues(t, ns, f);
	prom_ena(t, ns, f);
}
