/* Reports that combine the jobs with the NICs' telemetry: telemetry.get,
 * the Prometheus textfile and the systemd STATUS= line. */
#pragma once
#include "core.h"
#include <cjson/cJSON.h>

/* telemetry.get: nics[] (each with the rate the running jobs ask of it) and
 * rate {target, ceiling, current, pressure, cuts}. */
cJSON *report_telemetry(struct daemon *d);
/* {"path", "used_bytes", "free_bytes"} of state_dir (heartbeat, telemetry.get). */
cJSON *report_state_dir(struct daemon *d);
/* daemon.info "probe_modules": [{name, summary, ports, fields, statuses}]. */
cJSON *report_probe_modules(void);
/* Writes [daemon] prometheus_textfile atomically (no-op when unset). */
int report_prometheus(struct daemon *d);
/* "2 jobs running, 0 queued, 812k pps, sc0 406k, sc1 406k" */
void report_status_line(struct daemon *d, char *buf, size_t len);
