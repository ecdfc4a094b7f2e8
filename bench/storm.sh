#!/usr/bin/env bash
# Reply storms (issue 27), everything in one run on one veth pair: the target
# answers every SYN in XDP (tests/xdp/storm.bpf.o) or drops every frame in
# XDP (engines/xdp_drop.bpf.o), alternating.
#  1. scand af_xdp, one queue, an unlimited job of 254 hosts x ports 1-PORTS:
#     its send rate (job.status tx_rate_pps) against the storm and against the
#     drop peer; against the storm also rows, ring_drops, results_waits.
#  2. completeness at full rate, 198.18.0.0/15 x port 80 (131,072 probes,
#     each answered): rows scand keeps and rows zmap writes, same target,
#     and whether their open sets are the same.
# Usage: sudo bench/storm.sh [BUILD_DIR]   env: RUNS (3), PORTS (8000)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
RUNS=${RUNS:-3}
PORTS=${PORTS:-8000}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
command -v zmap >/dev/null || { echo "storm.sh: zmap not installed (apt-get install zmap)" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$SCAND" "$SCANCTL" "$B/tests/xdp/storm.bpf.o" "$B/engines/xdp_drop.bpf.o"
bench_setup
bench_machine
: >"$T/empty" # zmap's default blocklist covers 198.18.0.0/15

peer() { # storm|drop
	local obj=$B/tests/xdp/storm.bpf.o sec=xdp
	[ "$1" = drop ] && obj=$B/engines/xdp_drop.bpf.o
	ip -n "$TARGET_NS" link set tg0 xdp off
	ip -n "$TARGET_NS" link set tg0 xdp obj "$obj" sec "$sec" || fail "cannot attach $1 to tg0"
}
gw_mac() { ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}'; }

DAEMON_EXTRA='min_free_mb = 0' scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'
scand_start "$T/scand.conf"
bench_track "$SCAND_PID"

job() { # TARGETS PORTS -> job.status when done
	local id
	id=$(ctl submit "$1" -p "$2" -r 1000000000 --no-adaptive --cooldown 1 --gateway-mac "$(gw_mac)") || fail submit
	WAIT_S=600 wait_state "$id" done
	ctl --json status "$id"
	[ -n "${KEEP:-}" ] && ctl results "$id" -O csv -o "$T/scand.csv"
	ctl delete "$id" >/dev/null
}

echo "1. $((254 * PORTS)) probes per job, af_xdp, one queue (pps = job.status tx_rate_pps)"
for i in $(seq "$RUNS"); do
	for p in storm drop; do
		peer $p
		st=$(job "$TARGETS" "1-$PORTS")
		if [ $p = storm ]; then
			echo "  run $i storm: $(jget "$st" 'round(r["tx_rate_pps"])') pps, $(jget "$st" 'r["results"]') rows, ring_drops $(jget "$st" 'r["ring_drops"]'), results_waits $(jget "$st" 'r["results_waits"]'), complete $(jget "$st" 'r["complete"]')"
		else
			echo "  run $i drop:  $(jget "$st" 'round(r["tx_rate_pps"])') pps"
		fi
	done
done

echo "2. 198.18.0.0/15 x 80 (131072 probes, each answered), full rate"
peer storm
sed -i 's/^allow = .*/allow = 198.18.0.0\/15/' "$T/scand.conf"
for i in $(seq "$RUNS"); do
	st=$(KEEP=1 job 198.18.0.0/15 80)
	echo "  run $i scand: $(jget "$st" 'r["results"]') rows at $(jget "$st" 'round(r["tx_rate_pps"])') pps, ring_drops $(jget "$st" 'r["ring_drops"]')"
	ip netns exec "$SCAN_NS" zmap -q -i sc0 -p 80 -S 198.18.0.100 -G "$(gw_mac)" -b "$T/empty" \
		-B 10G -c 1 -f saddr,classification --output-filter="success = 1 || success = 0" \
		-o "$T/zmap.csv" -m "$T/zmap.json" 198.18.0.0/15 >"$T/zmap.log" 2>&1
	echo "  run $i zmap:  $(grep -c ',synack$' "$T/zmap.csv") synack and $(grep -c ',rst$' "$T/zmap.csv") rst rows, $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("total_sent"), "sent,", m.get("pcap_recv"), "received by pcap,", m.get("pcap_drop"), "dropped by pcap")' "$T/zmap.json")"
	echo "  run $i open sets: scand $(grep -c ',open,' "$T/scand.csv"), zmap $(grep ',synack$' "$T/zmap.csv" | cut -d, -f1 | sort -u | wc -l), the same: $(cmp -s <(grep ',open,' "$T/scand.csv" | cut -d, -f1 | sort -u) <(grep ',synack$' "$T/zmap.csv" | cut -d, -f1 | sort -u) && echo yes || echo no)"
done
exit 0
