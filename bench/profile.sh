#!/usr/bin/env bash
# Where the af_xdp worker's time goes, per packet (issue 16). On the netns
# testbed (peer drops in XDP, one queue) it profiles, pinned to the same core:
#   1. scand af_xdp's queue worker during an unlimited job,
#   2. the bare AF_XDP sender (bench/xsk_bare.c) for comparison.
# For each: perf stat (software events and syscall tracepoints: this VM has no
# hardware counters) gives sendto kicks per packet; uprobes count scand's
# probe_build calls (probes built per probe sent); perf record -e cpu-clock
# samples the thread (user + kernel, including the softirq work run in its
# context) and the samples are grouped by what the code does, in ns per packet.
# Usage: sudo bench/profile.sh [BUILD_DIR]   (default build)
# env: CORE (default 1), SECONDS_REC (default 3), KEEP_PERF=DIR keeps perf.data files
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
CORE=${CORE:-1}
SECONDS_REC=${SECONDS_REC:-3}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
BARE=$B/bench/xsk_bare
for f in "$SCAND" "$SCANCTL" "$BARE" "$B/engines/xdp_drop.bpf.o"; do
	[ -e "$f" ] || { echo "profile.sh: $f missing: build first (ninja -C $B)" >&2; exit 2; }
done
command -v perf >/dev/null || { echo "profile.sh: perf missing (apt-get install linux-perf)" >&2; exit 2; }
perf stat -e cpu-clock true >/dev/null 2>&1 || { echo "profile.sh: perf cannot count cpu-clock here" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
lib_setup
UPROBE=""
cleanup() {
	[ -n "$UPROBE" ] && perf probe -q -d "$UPROBE" 2>/dev/null
	lib_cleanup
}
trap cleanup EXIT INT TERM
ip -n "$TARGET_NS" link set tg0 xdp obj "$B/engines/xdp_drop.bpf.o" sec xdp || fail "cannot attach xdp_drop"
gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
txc() { ip netns exec "$SCAN_NS" cat /sys/class/net/sc0/statistics/tx_packets; }
EVENTS=task-clock,context-switches,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_nanosleep,syscalls:sys_enter_clock_nanosleep

# measure NAME TID: perf stat + perf record on one thread; prints the report
measure() {
	local name=$1 tid=$2 a b
	a=$(txc)
	perf stat -x, -e "$EVENTS" -t "$tid" -o "$T/$name.stat" -- sleep 2
	b=$(txc)
	echo "$((b - a))" >"$T/$name.stat.packets"
	a=$(txc)
	perf record -q -e cpu-clock -F 10000 -t "$tid" -o "$T/$name.data" -- sleep "$SECONDS_REC" 2>/dev/null
	b=$(txc)
	echo "$((b - a))" >"$T/$name.rec.packets"
	perf report -i "$T/$name.data" --no-children --sort dso,sym --stdio -F period,dso,sym 2>/dev/null |
		grep -v '^#' | grep -v '^$' >"$T/$name.report"
	[ -n "${KEEP_PERF:-}" ] && cp "$T/$name.data" "$KEEP_PERF/$name.perf.data"
	return 0
}

profile_scand() {
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'
	scand_start "$T/scand.conf"
	local job=$(ctl submit 198.18.0.0/16 -p 1-1000 -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$gw")
	local tid=$(grep -l '^w-sc0-' /proc/"$SCAND_PID"/task/*/comm | awk -F/ '{print $5}')
	taskset -pc "$CORE" "$tid" >/dev/null || fail "cannot pin the worker"
	sleep 1.5
	local f0=$(jget "$(ctl --json telemetry)" 'r["nics"][0]["tx_ring_full"]') p0=$(txc)
	measure scand "$tid"
	local f1=$(jget "$(ctl --json telemetry)" 'r["nics"][0]["tx_ring_full"]') p1=$(txc)
	echo "$((f1 - f0)) $((p1 - p0))" >"$T/scand.ringfull"
	# probes built per probe sent: count probe_build calls with a uprobe (slows the
	# worker down; only the ratio is used)
	if perf probe -q -x "$SCAND" --add probe_build 2>"$T/uprobe.err"; then
		UPROBE=probe_scand:probe_build
		local a=$(txc)
		perf stat -x, -e "$UPROBE" -t "$tid" -o "$T/scand.uprobe" -- sleep 1
		echo "$(($(txc) - a))" >"$T/scand.uprobe.packets"
		perf probe -q -d "$UPROBE"
		UPROBE=""
	else
		echo "uprobe on probe_build failed: $(cat "$T/uprobe.err")" >&2
	fi
	ctl cancel "$job" >/dev/null
	scand_stop
}

profile_bare() {
	ip netns exec "$SCAN_NS" "$BARE" -i sc0 -c "$CORE" -w 0 -d 60 >"$T/bare.out" 2>&1 &
	local pid=$!
	sleep 1.5
	measure bare "$pid"
	kill -TERM "$pid"
	wait "$pid"
}

echo "machine: $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r), $(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg); thread pinned to core $CORE"
profile_scand
profile_bare
python3 "$SRCDIR/bench/perfsplit.py" "$T"
