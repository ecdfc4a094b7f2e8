/* Parsers for the ethtool output --prepare reads for AF_XDP NICs, and the
 * XDP MTU limit of a driver (exposed for unit tests on real output). */
#pragma once
#include "common.h"

struct channels {
	unsigned rx, tx, combined;	   /* current ("n/a" reads as 0) */
	unsigned max_rx, max_tx, max_combined; /* pre-set maximums */
};

/* `ethtool -l IF` -> channels; -ENOENT when the output has no such blocks. */
int ethtool_channels_parse(const char *out, struct channels *c);
/* `ethtool -i IF` -> "ena", "veth"; -ENOENT without a driver: line. */
int ethtool_driver_parse(const char *out, char *drv, size_t len);
/* Largest MTU at which the driver attaches XDP (ena: 3498); 0 when unknown. */
unsigned xdp_mtu_limit(const char *driver);
