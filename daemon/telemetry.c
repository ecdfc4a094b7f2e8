/* Telemetry (see telemetry.h). Counters come from the engines' stats()
 * (never sysfs tx_packets: ENA does not count XDP TX there) and from ena.c. */
#include "telemetry.h"
#include "jobs.h"
#include "log.h"
#include "statefile.h"
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int engine_counters(void *ctx, const char *const *names, unsigned n, uint64_t *vals, bool *found)
{
	struct engine *e = ctx;
	return e->ops->counters(e, names, n, vals, found);
}

static void nic_tick(struct nic *n, double dt)
{
	uint64_t tx = 0, rx = 0, full = 0;
	n->busy_max = 0;
	for (unsigned q = 0; n->up && q < n->eng.nqueues && q < ENGINE_MAX_QUEUES; q++) {
		struct engine_qstats st = { 0 };
		struct worker *w = &n->workers[q];
		uint64_t busy = atomic_load(&w->busy_ns), total = atomic_load(&w->total_ns);
		n->eng.ops->stats(&n->eng, q, &st);
		tx += st.tx_packets;
		rx += st.rx_packets;
		full += st.tx_ring_full;
		/* share of the tick the worker spent sending/receiving */
		n->busy[q] = total > n->last_total_ns[q]
				     ? (double)(busy - n->last_busy_ns[q]) / (double)(total - n->last_total_ns[q])
				     : 0;
		n->last_busy_ns[q] = busy;
		n->last_total_ns[q] = total;
		n->busy_max = MAX(n->busy_max, n->busy[q]);
	}
	n->tx_pps = dt > 0 ? (double)(tx - n->last_tx) / dt : 0;
	n->rx_pps = dt > 0 ? (double)(rx - n->last_rx) / dt : 0;
	n->tx_full_delta = full - n->last_tx_full;
	n->last_tx = tx;
	n->last_rx = rx;
	n->last_tx_full = full;
	if (n->ena.ifname[0] == '\0')
		ena_init(&n->ena, n->conf.name, n->conf.ena_counters_file);
	/* an engine with its own counters (DPDK xstats: no kernel interface to ask) */
	n->ena.named = n->up && n->eng.ops->counters ? engine_counters : NULL;
	n->ena.named_ctx = &n->eng;
	int r = ena_read(&n->ena);
	if (r < 0 && r != n->ena_error)
		log_errno(r, "%s: cannot read ENA counters%s%s", n->conf.name,
			  n->ena.file ? " from " : "", n->ena.file ? n->ena.file : "");
	n->ena_error = r;
}

void telemetry_tick(struct daemon *d, double dt)
{
	for (unsigned i = 0; i < d->nnics; i++)
		nic_tick(&d->nics[i], dt);
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

static cJSON *nic_json(struct daemon *d, struct nic *n)
{
	cJSON *o = cJSON_CreateObject(), *qs = cJSON_CreateArray();
	struct engine_qstats sum = { 0 };
	for (unsigned q = 0; n->up && q < n->eng.nqueues && q < ENGINE_MAX_QUEUES; q++) {
		struct engine_qstats st = { 0 };
		cJSON *qo = cJSON_CreateObject();
		n->eng.ops->stats(&n->eng, q, &st);
		cJSON_AddNumberToObject(qo, "queue", q);
		cJSON_AddNumberToObject(qo, "tx_packets", (double)st.tx_packets);
		cJSON_AddNumberToObject(qo, "rx_packets", (double)st.rx_packets);
		cJSON_AddNumberToObject(qo, "tx_ring_full", (double)st.tx_ring_full);
		cJSON_AddNumberToObject(qo, "rx_drops", (double)st.rx_drops);
		cJSON_AddNumberToObject(qo, "rx_ring_empty", (double)st.rx_ring_empty);
		cJSON_AddNumberToObject(qo, "busy", n->busy[q]);
		cJSON_AddItemToArray(qs, qo);
		sum.tx_packets += st.tx_packets;
		sum.rx_packets += st.rx_packets;
		sum.tx_ring_full += st.tx_ring_full;
		sum.rx_drops += st.rx_drops;
	}
	cJSON_AddStringToObject(o, "name", n->conf.name);
	cJSON_AddStringToObject(o, "state", n->up ? "up" : "failed");
	cJSON_AddNumberToObject(o, "tx_packets", (double)sum.tx_packets);
	cJSON_AddNumberToObject(o, "rx_packets", (double)sum.rx_packets);
	cJSON_AddNumberToObject(o, "tx_pps", n->tx_pps);
	cJSON_AddNumberToObject(o, "rx_pps", n->rx_pps);
	cJSON_AddNumberToObject(o, "drops", (double)sum.rx_drops);
	cJSON_AddNumberToObject(o, "tx_ring_full", (double)sum.tx_ring_full);
	cJSON_AddNumberToObject(o, "busy_max", n->busy_max);
	cJSON_AddNumberToObject(o, "rate_target_pps", (double)jobs_nic_rate(d->jobs, n));
	cJSON_AddItemToObject(o, "queues", qs);
	cJSON_AddItemToObject(o, "ena", ena_json(&n->ena));
	return o;
}

cJSON *telemetry_json(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *nics = cJSON_AddArrayToObject(o, "nics");
	double current = 0;
	for (unsigned i = 0; i < d->nnics; i++) {
		cJSON_AddItemToArray(nics, nic_json(d, &d->nics[i]));
		current += d->nics[i].tx_pps;
	}
	cJSON *rate = jobs_rate_json(d->jobs);
	cJSON_AddNumberToObject(rate, "current", current);
	cJSON_AddItemToObject(o, "rate", rate);
	return o;
}

void telemetry_status_line(struct daemon *d, char *buf, size_t len)
{
	unsigned running, queued;
	double total = 0;
	size_t off;
	jobs_counts(d->jobs, &running, &queued);
	for (unsigned i = 0; i < d->nnics; i++)
		total += d->nics[i].tx_pps;
	off = (size_t)snprintf(buf, len, "%u job%s running, %u queued, %.0fk pps", running,
			       running == 1 ? "" : "s", queued, total / 1e3);
	for (unsigned i = 0; i < d->nnics && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ", %s %s%.0fk", d->nics[i].conf.name,
					d->nics[i].up ? "" : "FAILED ", d->nics[i].tx_pps / 1e3);
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_nics(FILE *f, struct daemon *d)
{
	static const struct {
		const char *name, *type, *help;
		size_t off; /* offset of a uint64_t counter in struct nic */
	} m[] = {
		{ "scand_nic_tx_packets_total", "counter", "Probes sent by the NIC's engine.", offsetof(struct nic, last_tx) },
		{ "scand_nic_rx_packets_total", "counter", "Frames the NIC's engine received.", offsetof(struct nic, last_rx) },
		{ "scand_nic_tx_ring_full_total", "counter", "TX bursts that found the ring full.", offsetof(struct nic, last_tx_full) },
	};
	for (size_t k = 0; k < ARRAY_SIZE(m); k++) {
		prom_head(f, m[k].name, m[k].type, m[k].help);
		for (unsigned i = 0; i < d->nnics; i++)
			fprintf(f, "%s{nic=\"%s\"} %llu\n", m[k].name, d->nics[i].conf.name,
				(unsigned long long)*(const uint64_t *)((const char *)&d->nics[i] + m[k].off));
	}
	prom_head(f, "scand_nic_tx_pps", "gauge", "Probes per second in the last tick.");
	for (unsigned i = 0; i < d->nnics; i++)
		fprintf(f, "scand_nic_tx_pps{nic=\"%s\"} %.1f\n", d->nics[i].conf.name, d->nics[i].tx_pps);
	prom_head(f, "scand_nic_up", "gauge", "1 when the NIC's engine is open.");
	for (unsigned i = 0; i < d->nnics; i++)
		fprintf(f, "scand_nic_up{nic=\"%s\"} %d\n", d->nics[i].conf.name, d->nics[i].up);
	prom_head(f, "scand_worker_busy_ratio", "gauge", "Share of the last tick a queue worker was busy.");
	for (unsigned i = 0; i < d->nnics; i++)
		for (unsigned q = 0; d->nics[i].up && q < d->nics[i].eng.nqueues && q < ENGINE_MAX_QUEUES; q++)
			fprintf(f, "scand_worker_busy_ratio{nic=\"%s\",queue=\"%u\"} %.3f\n",
				d->nics[i].conf.name, q, d->nics[i].busy[q]);
}

static void prom_ena(FILE *f, struct daemon *d)
{
	char name[96];
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		bool gauge = c == ENA_CONNTRACK_AVAILABLE;
		snprintf(name, sizeof(name), "scand_ena_%s%s", ena_counter_names[c], gauge ? "" : "_total");
		prom_head(f, name, gauge ? "gauge" : "counter", "ENA allowance counter (ethtool -S).");
		for (unsigned i = 0; i < d->nnics; i++)
			if (d->nics[i].ena.present && d->nics[i].ena.index[c] >= 0)
				fprintf(f, "%s{nic=\"%s\"} %llu\n", name, d->nics[i].conf.name,
					(unsigned long long)d->nics[i].ena.value[c]);
	}
}

int telemetry_write_prometheus(struct daemon *d)
{
	char *buf = NULL;
	size_t len = 0;
	int r;
	if (!d->cfg.prometheus_textfile[0])
		return 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	prom_nics(f, d);
	prom_ena(f, d);
	jobs_prometheus(d->jobs, f);
	fclose(f);
	r = statefile_write(d->cfg.prometheus_textfile, buf, len);
	free(buf);
	return r;
}
