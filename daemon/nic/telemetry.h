/* Per-tick telemetry of the NICs: packet counters and rates from the
 * engines, ENA allowance counters, worker busy ratios. It owns these
 * statistics (one struct per NIC) and knows nothing of jobs; report.c
 * combines them with the jobs for telemetry.get, Prometheus and STATUS=. */
#pragma once
#include "ena.h"
#include "nic.h"
#include <cjson/cJSON.h>
#include <stdio.h>

struct nic_stats {
	struct ena ena;
	int ena_error; /* last ena_read() result */
	uint64_t tx, rx, tx_full, invalid_descs; /* engine counters at the last tick */
	/* replies lost on the way in: dropped by the engine's RX queues (ring
	 * full), or matched on a queue without a socket (af_xdp) */
	uint64_t rx_drops, unserved;
	uint64_t lost_delta; /* rx_drops + unserved growth in the last tick */
	unsigned nq;	     /* queues below, as of the last tick */
	uint64_t q_rx[ENGINE_MAX_QUEUES], q_drops[ENGINE_MAX_QUEUES];
	double tx_pps, rx_pps;
	uint64_t tx_full_delta; /* ring-full events in the last tick */
	double busy_max;	/* busiest worker's busy ratio in the last tick */
	double busy[ENGINE_MAX_QUEUES];
	uint64_t last_busy_ns[ENGINE_MAX_QUEUES], last_total_ns[ENGINE_MAX_QUEUES];
};

struct telemetry {
	struct nic_stats nic[CONFIG_MAX_NICS]; /* by struct nic.index */
};

/* Reads every NIC's counters; dt is the time since the previous tick. */
void telemetry_tick(struct telemetry *t, struct nics *ns, double dt);
const struct nic_stats *telemetry_nic(const struct telemetry *t, const struct nic *n);
/* One NIC's telemetry.get object (counters, rates, queues, ena). */
cJSON *telemetry_nic_json(const struct telemetry *t, struct nic *n);
/* Queues whose counters the engine keeps: its TX queues and its RX queues. */
unsigned nic_queues(const struct nic *n);
/* Sum of the NICs' send rates in the last tick. */
double telemetry_tx_pps(const struct telemetry *t, const struct nics *ns);
/* Prometheus lines for the NICs, queues and ENA counters. */
void telemetry_prometheus(const struct telemetry *t, const struct nics *ns, FILE *f);
