/* ENA allowance counters (see ena.h). */
#include "ena.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STATS 65536u

const char *const ena_counter_names[ENA_NCOUNTERS] = {
	"bw_in_allowance_exceeded",	"bw_out_allowance_exceeded",
	"pps_allowance_exceeded",	"conntrack_allowance_exceeded",
	"linklocal_allowance_exceeded", "conntrack_allowance_available",
};

void ena_init(struct ena *e, const char *ifname, const char *file)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->file = file && *file ? file : NULL;
	for (int i = 0; i < ENA_NCOUNTERS; i++)
		e->index[i] = -1;
}

static int ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* Maps each counter name to its GSTATS index for n strings. */
static int resolve(struct ena *e, int fd, uint32_t n)
{
	struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	int r;
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = n;
	r = ethtool(fd, e->ifname, gs);
	e->present = false;
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		e->index[c] = -1;
		for (uint32_t i = 0; r == 0 && i < gs->len; i++) {
			if (!strncmp((char *)gs->data + (size_t)i * ETH_GSTRING_LEN, ena_counter_names[c],
				     ETH_GSTRING_LEN)) {
				e->index[c] = (int)i;
				e->present = true;
				break;
			}
		}
	}
	e->n_stats = n;
	free(gs);
	return r;
}

static int read_driver(struct ena *e, uint64_t *v)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_stats *st = NULL;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	if (fd < 0)
		return -errno;
	if ((r = ethtool(fd, e->ifname, &info)) < 0 || info.n_stats == 0 || info.n_stats > MAX_STATS)
		goto out; /* no driver stats: not an error, just no counters */
	if (info.n_stats != e->n_stats && (r = resolve(e, fd, info.n_stats)) < 0)
		goto out;
	if (!e->present)
		goto out;
	st = calloc(1, sizeof(*st) + (size_t)info.n_stats * sizeof(uint64_t));
	if (!st) {
		r = -ENOMEM;
		goto out;
	}
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = info.n_stats;
	if ((r = ethtool(fd, e->ifname, st)) == 0)
		for (int c = 0; c < ENA_NCOUNTERS; c++)
			v[c] = e->index[c] >= 0 && (uint32_t)e->index[c] < st->n_stats ? st->data[e->index[c]] : 0;
out:
	if (r == -EOPNOTSUPP || r == -ENODEV)
		r = 0, e->present = false;
	free(st);
	close(fd);
	return r;
}

static int read_file(struct ena *e, uint64_t *v)
{
	char name[64];
	unsigned long long val;
	FILE *f = fopen(e->file, "re");
	if (!f)
		return -errno;
	e->present = false;
	for (int c = 0; c < ENA_NCOUNTERS; c++)
		e->index[c] = -1;
	while (fscanf(f, "%63s %llu", name, &val) == 2)
		for (int c = 0; c < ENA_NCOUNTERS; c++)
			if (!strcmp(name, ena_counter_names[c])) {
				v[c] = val;
				e->index[c] = c;
				e->present = true;
			}
	fclose(f);
	return 0;
}

static int read_named(struct ena *e, uint64_t *v)
{
	bool found[ENA_NCOUNTERS] = { false };
	int r = e->named(e->named_ctx, ena_counter_names, ENA_NCOUNTERS, v, found);
	e->present = false;
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		e->index[c] = found[c] ? c : -1;
		e->present |= found[c];
	}
	return r;
}

int ena_read(struct ena *e)
{
	uint64_t v[ENA_NCOUNTERS] = { 0 };
	int r = e->file ? read_file(e, v) : e->named ? read_named(e, v) : read_driver(e, v);
	if (r < 0 || !e->present) {
		memset(e->delta, 0, sizeof(e->delta));
		return r;
	}
	for (int c = 0; c < ENA_NCOUNTERS; c++) {
		e->delta[c] = e->have_prev && v[c] >= e->value[c] ? v[c] - e->value[c] : 0;
		e->value[c] = v[c];
	}
	e->have_prev = true;
	return 0;
}
