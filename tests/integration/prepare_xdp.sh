#!/usr/bin/env bash
# scand --prepare for an AF_XDP NIC on a 4-queue veth, with the real ip and
# ethtool (a wrapper on PATH records ethtool's arguments and reports driver
# "ena" for -i, so ENA's rules apply: XDP MTU <= 3498, free queue pairs):
# 1. fix flags off: both problems reported with their fix, nothing changed;
# 2. fix flags on: MTU lowered to 3498, rx/tx channels halved (ethtool -L);
#    scand then runs af_xdp on the prepared NIC, daemon.info shows what
#    preparation did, a scan gives exact ground truth;
# 3. --undo restores MTU 9001 and 4 channels.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
"$SCAND" --version | grep -q af_xdp || { echo "SKIP: scand built without AF_XDP"; exit 77; }
command -v ethtool >/dev/null || { echo "SKIP: ethtool not installed (apt-get install ethtool)"; exit 77; }
TESTBED_QUEUES=4 lib_setup

mkdir -p "$T/bin"
cat >"$T/bin/ethtool" <<EOF
#!/bin/sh
echo "ethtool \$*" >>"$T/ethtool.log"
[ "\$1" = -i ] && { echo "driver: ena"; echo "version: 2.13.0"; exit 0; }
exec $(command -v ethtool) "\$@"
EOF
chmod +x "$T/bin/ethtool"
prep() { ip netns exec "$SCAN_NS" env PATH="$T/bin:$PATH" "$SCAND" --prepare --config "$T/scand.conf" "$@"; }
mtu() { ip -n "$SCAN_NS" -o link show sc0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p'; }
rxq() { ip netns exec "$SCAN_NS" ethtool -l sc0 | awk '/Current/ {c = 1} c && /^RX:/ {print $2}'; }
ip -n "$SCAN_NS" link set sc0 mtu 9001 || fail "cannot set MTU 9001 on sc0"

# 1. fix flags off
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp'
out=$(prep 2>&1) && fail "--prepare succeeded with MTU 9001 and all channels in use: $out"
echo "$out"
echo "$out" | grep -qF 'sc0: error: sc0: XDP needs MTU <= 3498 on ena (now 9001): ip link set sc0 mtu 3498, or set xdp_mtu_fix = true in [nic "sc0"]' ||
	fail "MTU problem not reported with its fix"
echo "$out" | grep -qF 'sc0: error: sc0: ena needs free queue pairs for XDP but all 4 channels are in use: ethtool -L sc0 rx 2 tx 2, or set xdp_channels_fix = true in [nic "sc0"]' ||
	fail "channel problem not reported with its fix"
[ "$(mtu)" = 9001 ] && [ "$(rxq)" = 4 ] || fail "fix flags off, yet MTU $(mtu) / RX $(rxq) changed"
grep -q -- '-L' "$T/ethtool.log" && fail "ethtool -L ran with xdp_channels_fix off"

# 2. fix flags on
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nxdp_mtu_fix = true\nxdp_channels_fix = true'
out=$(prep --dry-run) || fail "--dry-run failed: $out"
[ "$(mtu)" = 9001 ] && [ "$(rxq)" = 4 ] || fail "--dry-run changed the NIC"
echo "$out" | grep -qF "would run: ip link set sc0 mtu 3498" || fail "dry run does not show the MTU change: $out"
out=$(prep) || fail "--prepare with the fix flags failed: $out"
echo "$out"
[ "$(mtu)" = 3498 ] || fail "MTU is $(mtu) after --prepare, not 3498"
[ "$(rxq)" = 2 ] || fail "RX channels are $(rxq) after --prepare, not 2"
grep -qx 'ethtool -L sc0 rx 2 tx 2' "$T/ethtool.log" || fail "ethtool -L not run as expected: $(cat "$T/ethtool.log")"
out=$(prep) || fail "second --prepare failed: $out"
echo "$out" | grep -q "0 changes made, 0 problems" || fail "--prepare is not idempotent: $out"

# veth's own XDP rule: the peer may not have more TX queues than sc0 has RX queues
ip netns exec "$TARGET_NS" ethtool -L tg0 rx 2 tx 2 || fail "cannot match tg0's channels"
scand_start "$T/scand.conf"
info=$(ctl --json info)
[ "$(jget "$info" "r['nics'][0]['state']")" = up ] || fail "sc0 not up after preparation: $info"
[ "$(jget "$info" "r['nics'][0]['mtu']")" = 3498 ] || fail "daemon.info MTU: $info"
[ "$(jget "$info" "r['nics'][0]['queues']")" = 2 ] || fail "daemon.info queues: $info"
jget "$info" "r['nics'][0]['preparation']['found']" | grep -qF 'driver ena, MTU 3498 (XDP limit 3498; scand --prepare lowered it from 9001)' ||
	fail "daemon.info preparation: $(jget "$info" "r['nics'][0]['preparation']")"
jget "$info" "r['nics'][0]['preparation']['found']" | grep -qF 'rx/tx channels: 2 of 4 in use (scand --prepare lowered them from 4)' ||
	fail "daemon.info preparation: $(jget "$info" "r['nics'][0]['preparation']")"
echo "sc0 $(jget "$info" "r['nics'][0]['mode']"), preparation: $(jget "$info" "r['nics'][0]['preparation']")"
PORTS=22,443
make_truth 20 "$PORTS" "$T/truth"
ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -r 20000 --seed 3 --wait -o "$T/results.ndjson" 2>"$T/progress" ||
	fail "scan failed: $(cat "$T/progress")"
check_results "$T/results.ndjson" "$T/truth" $((254 * 2)) || fail "results differ from ground truth"
scand_stop

# 3. undo
ip netns exec "$TARGET_NS" ethtool -L tg0 rx 4 tx 4
out=$(prep --undo) || fail "--undo failed: $out"
echo "$out"
[ "$(mtu)" = 9001 ] || fail "MTU is $(mtu) after --undo, not 9001"
[ "$(rxq)" = 4 ] || fail "RX channels are $(rxq) after --undo, not 4"
[ -f "$T/state/prepare.json" ] && fail "--undo left its record behind"
echo "PASS"
