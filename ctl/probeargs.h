/* scanctl submit --probe MODULE --probe-args ARGS --record STATUS: the job's
 * "probe" and "record" fields. Files named in ARGS are read here, on the
 * client's side (scand never opens a client's file). */
#pragma once
#include <cjson/cJSON.h>
#include <stddef.h>

/* Adds "probe" for module (NULL: tcp_syn) with its --probe-args (NULL:
 * none): tcp_syn an option set; udp text:, hex:, file:PATH, template:PATH
 * (zmap's forms, one payload for every port) or payloads:PATH (a payload
 * file). -1 with a message in err (usage error). */
int probeargs_add(cJSON *params, const char *module, const char *args, char *err, size_t len);
/* --record open,closed (repeatable): appends to "record". */
void probeargs_record(cJSON *params, const char *statuses);
