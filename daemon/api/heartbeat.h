/* heartbeat: what a fleet dashboard polls from every host (version and
 * build features, uptime, jobs by state, NICs up, rates, pressure, the last
 * error); field names and types are listed in docs/protocol.md. */
#pragma once
#include "core.h"
#include <cjson/cJSON.h>

cJSON *heartbeat_json(struct daemon *d);
/* {"af_xdp": bool, "dpdk": bool, "systemd": bool, "numa": bool}: what this
 * build has (daemon.info shows the same). */
cJSON *heartbeat_features(void);
