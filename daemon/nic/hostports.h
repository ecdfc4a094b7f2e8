/* Source-port reservations: while a job sends from an address the host
 * owns, its source ports are added to net.ipv4.ip_local_reserved_ports
 * (IPv4 and IPv6), so the kernel never hands them to the host's own
 * outgoing connections, whose replies the scan would otherwise take. Only
 * the ports scand added are removed again: when the job ends, and at the
 * next start after a crash (state_dir/reserved_ports records them). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define HOSTPORTS_MAX 64

struct hostports {
	char sysctl[256]; /* the ip_local_reserved_ports file */
	char record[600]; /* state_dir/reserved_ports */
	struct {
		char owner[32]; /* job id */
		uint16_t lo, n;
	} r[HOSTPORTS_MAX];
	unsigned n;
	uint8_t added[65536 / 8]; /* ports scand added to the sysctl */
};

/* Sets paths (sysctl NULL: /proc/sys/net/ipv4/ip_local_reserved_ports) and
 * takes back what a crashed scand had added. -errno (logged). */
int hostports_init(struct hostports *hp, const char *state_dir, const char *sysctl);
/* Reserves [lo, lo + n) for owner. -errno with the reason. */
int hostports_reserve(struct hostports *hp, const char *owner, uint16_t lo, uint16_t n);
/* Gives back owner's ports that no other reservation holds. */
void hostports_release(struct hostports *hp, const char *owner);
/* Parses "1,2-5" (the sysctl's format) into a port bitmap of 65536 bits
 * (cleared first). -EINVAL. */
int hostports_parse(const char *s, uint8_t *bits);
/* The bitmap in the sysctl's format, malloc'd ("" when empty), or NULL. */
char *hostports_format(const uint8_t *bits);
