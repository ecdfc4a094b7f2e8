/* The engine registry: which engines this binary has, and their names. */
#include "registry.h"
#include "scand-config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const char *const kind_names[] = { "af_xdp", "dpdk", "af_packet", "null" };

const char *engine_kind_name(enum engine_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int engine_kind_parse(const char *s, enum engine_kind *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum engine_kind)i;
			return 0;
		}
	return -EINVAL;
}

const struct engine_ops *engine_lookup(enum engine_kind kind)
{
	switch (kind) {
	case ENGINE_NULL:
		return &engine_null_ops;
	case ENGINE_AF_PACKET:
		return &engine_af_packet_ops;
#if HAVE_AF_XDP
	case ENGINE_AF_XDP:
		return &engine_af_xdp_ops;
#endif
#if HAVE_DPDK
	case ENGINE_DPDK:
		return &engine_dpdk_ops;
#endif
	default:
		return NULL;
	}
}

const char *const *engine_compiled(void)
{
	static const char *const names[] = { "null", "af_packet",
#if HAVE_AF_XDP
					     "af_xdp",
#endif
#if HAVE_DPDK
					     "dpdk",
#endif
					     NULL };
	return names;
}
