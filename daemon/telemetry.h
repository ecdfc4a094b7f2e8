/* Per-tick telemetry: per NIC and queue packet counters and rates from the
 * engines, ENA allowance counters, worker busy ratios; telemetry.get, the
 * Prometheus textfile and the systemd STATUS= line are built from it. */
#pragma once
#include "daemon.h"
#include <cjson/cJSON.h>

/* Reads every NIC's counters; dt is the time since the previous tick. */
void telemetry_tick(struct daemon *d, double dt);
cJSON *telemetry_json(struct daemon *d);
/* Writes [daemon] prometheus_textfile atomically (no-op when unset). */
int telemetry_write_prometheus(struct daemon *d);
/* "2 jobs running, 0 queued, 812k pps, sc0 406k, sc1 406k" */
void telemetry_status_line(struct daemon *d, char *buf, size_t len);
