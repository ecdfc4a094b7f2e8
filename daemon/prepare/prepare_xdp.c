/* --prepare for AF_XDP NICs, with the ip and ethtool commands an operator
 * would type: an MTU above the driver's XDP limit is lowered (xdp_mtu_fix),
 * ena channels at the maximum are halved to free queue pairs
 * (xdp_channels_fix); otherwise each is reported with its fix. A NIC that
 * carries the host's control plane is refused (control_plane_ok overrides). */
#include "prepare.h"
#include "prepare_xdp.h"
#include "netinfo.h"
#include "ctlplane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ENA_XDP_MTU 3498 /* PAGE_SIZE minus headroom and skb_shared_info, in-tree ENA */

unsigned xdp_mtu_limit(const char *driver)
{
	return !strcmp(driver, "ena") ? ENA_XDP_MTU : 0;
}

int ethtool_driver_parse(const char *out, char *drv, size_t len)
{
	const char *p = strstr(out, "driver: ");
	if (!p || (p != out && p[-1] != '\n'))
		return -ENOENT;
	snprintf(drv, len, "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
	return 0;
}

/* "RX:\t\t4" or "Combined:\tn/a" within one block of `ethtool -l`. */
static unsigned block_value(const char *block, const char *end, const char *key)
{
	const char *p = strstr(block, key);
	return p && p < end ? (unsigned)strtoul(p + strlen(key) + strspn(p + strlen(key), " \t"), NULL, 10) : 0;
}

int ethtool_channels_parse(const char *out, struct channels *c)
{
	const char *max = strstr(out, "Pre-set maximums:"), *cur = strstr(out, "Current hardware settings:");
	if (!max || !cur || cur < max)
		return -ENOENT;
	const char *end = cur + strlen(cur);
	c->max_rx = block_value(max, cur, "\nRX:");
	c->max_tx = block_value(max, cur, "\nTX:");
	c->max_combined = block_value(max, cur, "\nCombined:");
	c->rx = block_value(cur, end, "\nRX:");
	c->tx = block_value(cur, end, "\nTX:");
	c->combined = block_value(cur, end, "\nCombined:");
	return 0;
}

/* Queue pairs in use and the maximum: combined channels, else min(rx, tx). */
static void pairs(const struct channels *c, bool *combined, unsigned *cur, unsigned *max)
{
	*combined = c->max_combined > 0;
	*cur = *combined ? c->combined : MIN(c->rx, c->tx);
	*max = *combined ? c->max_combined : MIN(c->max_rx, c->max_tx);
}

static int read_channels(const char *ifname, struct channels *c)
{
	char out[2048];
	int r = cmd_run((const char *const[]){ "ethtool", "-l", ifname, NULL }, out, sizeof(out));
	return r != 0 ? (r < 0 ? r : -EOPNOTSUPP) : ethtool_channels_parse(out, c);
}

static int set_channels(struct prep *p, struct prep_nic *rec, const char *ifname, bool combined, unsigned n)
{
	char v[16];
	snprintf(v, sizeof(v), "%u", n);
	if (combined)
		return prep_run(p, rec, (const char *const[]){ "ethtool", "-L", ifname, "combined", v, NULL });
	return prep_run(p, rec, (const char *const[]){ "ethtool", "-L", ifname, "rx", v, "tx", v, NULL });
}

static int fix_mtu(struct prep *p, const struct nic_config *nc, struct prep_nic *rec, const char *drv, unsigned mtu,
		   unsigned limit)
{
	char rel[128], v[16];
	unsigned now;
	int r;
	if (!limit || mtu <= limit)
		return 0;
	if (!nc->xdp_mtu_fix)
		return prep_fail(p, rec, -ERANGE,
				 "%s: XDP needs MTU <= %u on %s (now %u): ip link set %s mtu %u, or set xdp_mtu_fix = true in [nic \"%s\"]",
				 nc->name, limit, drv, mtu, nc->name, limit, nc->name);
	snprintf(v, sizeof(v), "%u", limit);
	if (!p->dry_run) { /* the intent: --undo restores the MTU while it is still the one set */
		if (!rec->mtu_after)
			rec->mtu_before = mtu;
		rec->mtu_after = limit;
		rec->mtu_done = false;
		if ((r = prep_journal(p, rec)) < 0)
			return r;
	}
	if ((r = prep_run(p, rec, (const char *const[]){ "ip", "link", "set", nc->name, "mtu", v, NULL })) < 0 || p->dry_run)
		return r;
	rec->mtu_done = true;
	if ((r = prep_journal(p, rec)) < 0)
		return r;
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/mtu", nc->name);
	if (prep_read_uint(p, rel, &now) < 0 || now != limit)
		return prep_fail(p, rec, -EIO, "%s: MTU is %u after ip link set, not %u", nc->name, now, limit);
	return 0;
}

static int fix_channels(struct prep *p, const struct nic_config *nc, struct prep_nic *rec, const char *drv)
{
	struct channels c = { 0 };
	char fix[96];
	bool comb;
	unsigned cur, max, want;
	int r;
	if (read_channels(nc->name, &c) < 0)
		return 0; /* the driver has no channel settings: nothing to free */
	pairs(&c, &comb, &cur, &max);
	if (rec->ch_after && cur == rec->ch_after)
		prep_found(p, rec, "%s channels: %u of %u in use (scand --prepare lowered them from %u)",
			   comb ? "combined" : "rx/tx", cur, max, rec->ch_before);
	else
		prep_found(p, rec, "%s channels: %u of %u in use", comb ? "combined" : "rx/tx", cur, max);
	if (netinfo_ena_channels_ok(drv, cur, max))
		return 0;
	want = MAX(max / 2, 1u);
	if (comb)
		snprintf(fix, sizeof(fix), "ethtool -L %s combined %u", nc->name, want);
	else
		snprintf(fix, sizeof(fix), "ethtool -L %s rx %u tx %u", nc->name, want, want);
	if (want >= cur)
		return prep_fail(p, rec, -EBUSY, "%s: %s needs free queue pairs for XDP but has only %u channel", nc->name,
				 drv, cur);
	if (!nc->xdp_channels_fix)
		return prep_fail(p, rec, -EBUSY,
				 "%s: %s needs free queue pairs for XDP but all %u channels are in use: %s, or set xdp_channels_fix = true in [nic \"%s\"]",
				 nc->name, drv, cur, fix, nc->name);
	if (!p->dry_run) { /* the intent: --undo restores the count while it is still the one set */
		if (!rec->ch_after)
			rec->ch_before = cur;
		rec->ch_after = want;
		rec->ch_combined = comb;
		rec->ch_done = false;
		if ((r = prep_journal(p, rec)) < 0)
			return r;
	}
	if ((r = set_channels(p, rec, nc->name, comb, want)) < 0 || p->dry_run)
		return r;
	rec->ch_done = true;
	if ((r = prep_journal(p, rec)) < 0)
		return r;
	if ((r = read_channels(nc->name, &c)) < 0)
		return prep_fail(p, rec, r, "%s: cannot read channels after %s: %s", nc->name, fix, strerror(-r));
	pairs(&c, &comb, &cur, &max);
	if (cur != want)
		return prep_fail(p, rec, -EIO, "%s: %u channels in use after %s, not %u", nc->name, cur, fix, want);
	return 0;
}

int prep_xdp_nic(struct prep *p, const struct nic_config *nc, struct prep_nic *rec)
{
	char rel[128], out[1024], drv[32] = "";
	unsigned mtu = 0, limit;
	int r;
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/mtu", nc->name);
	if (prep_read_uint(p, rel, &mtu) < 0)
		return prep_fail(p, rec, -ENODEV, "%s: no such interface in this network namespace (ip link lists them)",
				 nc->name);
	if (cmd_run((const char *const[]){ "ethtool", "-i", nc->name, NULL }, out, sizeof(out)) != 0 ||
	    ethtool_driver_parse(out, drv, sizeof(drv)) < 0)
		snprintf(drv, sizeof(drv), "unknown");
	limit = xdp_mtu_limit(drv);
	if (limit && rec->mtu_after && mtu == rec->mtu_after)
		prep_found(p, rec, "driver %s, MTU %u (XDP limit %u; scand --prepare lowered it from %u)", drv, mtu, limit,
			   rec->mtu_before);
	else if (limit)
		prep_found(p, rec, "driver %s, MTU %u (XDP limit %u)", drv, mtu, limit);
	else
		prep_found(p, rec, "driver %s, MTU %u", drv, mtu);
	if ((r = prep_control_plane(p, rec, nc, nc->name, CTLPLANE_XDP, "preparing it anyway")) < 0)
		return r;
	int r1 = fix_mtu(p, nc, rec, drv, mtu, limit);
	r = fix_channels(p, nc, rec, drv);
	return r1 < 0 ? r1 : r;
}

int prep_xdp_undo(struct prep *p, struct prep_nic *rec)
{
	struct channels c = { 0 };
	char rel[128], v[16];
	bool comb;
	unsigned cur, max, mtu;
	int r = 0;
	if (rec->ch_after && read_channels(rec->name, &c) == 0) {
		pairs(&c, &comb, &cur, &max);
		if (cur == rec->ch_after && (r = set_channels(p, rec, rec->name, rec->ch_combined, rec->ch_before)) < 0)
			return r;
	}
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/mtu", rec->name);
	if (rec->mtu_after && prep_read_uint(p, rel, &mtu) == 0 && mtu == rec->mtu_after) {
		snprintf(v, sizeof(v), "%u", rec->mtu_before);
		if ((r = prep_run(p, rec, (const char *const[]){ "ip", "link", "set", rec->name, "mtu", v, NULL })) < 0)
			return r;
	}
	if (!p->dry_run)
		rec->ch_after = rec->mtu_after = 0;
	return 0;
}
