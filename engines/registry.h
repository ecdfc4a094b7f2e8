/* The engine registry (like zmap's probe module list): the engines compiled
 * into this binary, looked up by kind, and the kinds' names. Above the
 * engines: they never call it. */
#pragma once
#include "engine.h"

const char *engine_kind_name(enum engine_kind k);
int engine_kind_parse(const char *s, enum engine_kind *k);
/* NULL when not compiled in. */
const struct engine_ops *engine_lookup(enum engine_kind kind);
/* Names of the engines compiled into this binary, NULL-terminated. */
const char *const *engine_compiled(void);

extern const struct engine_ops engine_null_ops;
extern const struct engine_ops engine_af_packet_ops;
extern const struct engine_ops engine_af_xdp_ops;
extern const struct engine_ops engine_dpdk_ops;
