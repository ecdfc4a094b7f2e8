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
# Then scand under callgrind (exact instruction and call counts per probe for
# a whole job of 524,288 probes; the kernel side is not counted), and the bare
# sender, profiled the same way, in variants that isolate one cost each
# (VARIANTS): each frame rewritten before it is queued (--write) with a deep
# TX ring (2048, like scand's 1024-deep ring that the kernel drains 32 per
# kick) or a shallow one (-r 64), scand's 74-byte frame, a larger kernel TX
# budget per sendto (XDP_MAX_TX_SKB_BUDGET, Linux >= 6.17).
# env: CORE (default 1), SECONDS_REC (default 3), KEEP_PERF=DIR keeps perf.data
#      files, VARIANTS (xsk_bare option sets separated by ";", "" to skip), REPEAT (2),
#      CALLGRIND (1; 0 skips the valgrind run)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
CORE=${CORE:-1}
SECONDS_REC=${SECONDS_REC:-3}
VARIANTS=${VARIANTS-"-n 1;-n 4096 --write;-n 4096 --write -r 64;--scand-frame;-B 64;-B 256 -b 256"}
REPEAT=${REPEAT:-2}
CALLGRIND=${CALLGRIND:-1}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
BARE=$B/bench/xsk_bare
command -v perf >/dev/null || { echo "profile.sh: perf missing (apt-get install linux-perf)" >&2; exit 2; }
perf stat -e cpu-clock true >/dev/null 2>&1 || { echo "profile.sh: perf cannot count cpu-clock here" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$SCAND" "$SCANCTL" "$BARE" "$B/engines/xdp_drop.bpf.o"
UPROBE=""
cleanup() {
	[ -n "$UPROBE" ] && perf probe -q -d "$UPROBE" 2>/dev/null
	bench_cleanup
}
bench_setup cleanup
ip -n "$TARGET_NS" link set tg0 xdp obj "$B/engines/xdp_drop.bpf.o" sec xdp || fail "cannot attach xdp_drop"
gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
EVENTS=task-clock,context-switches,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_nanosleep,syscalls:sys_enter_clock_nanosleep

# sample SECONDS OUT: run as perf's workload, so the counters cover the window:
# writes "packets ns" (sc0 TX counter delta, wall time) to OUT
sample() {
	local a=$(txc) t0=$(date +%s%N)
	sleep "$1"
	local b=$(txc) t1=$(date +%s%N)
	echo "$((b - a)) $((t1 - t0))" >"$2"
}
export -f sample txc
export SCAN_NS

# measure NAME TID: perf stat + perf record on one thread; leaves NAME.* files in $T
measure() {
	local name=$1 tid=$2
	perf stat -x, -e "$EVENTS" -t "$tid" -o "$T/$name.stat" -- bash -c "sample 2 $T/$name.stat.packets"
	perf record -q -e cpu-clock -F 10000 -t "$tid" -o "$T/$name.data" -- \
		bash -c "sample $SECONDS_REC $T/$name.rec.packets" 2>/dev/null
	perf report -i "$T/$name.data" --no-children --sort dso,sym --stdio -F period,dso,sym 2>/dev/null |
		grep -v '^#' | grep -v '^$' >"$T/$name.report"
	[ -n "${KEEP_PERF:-}" ] && cp "$T/$name.data" "$KEEP_PERF/$name.perf.data"
	return 0
}

profile_scand() {
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'
	scand_start "$T/scand.conf"
	local job=$(ctl submit 198.18.0.0/16 -p 1-1000 -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$gw")
	local tid
	tid=$(worker_tids) || exit 1
	taskset -pc "$CORE" "$tid" >/dev/null || fail "cannot pin the worker"
	sleep 1.5
	local f0=$(jget "$(ctl --json telemetry)" 'r["nics"][0]["tx_ring_full"]') p0=$(txc)
	measure scand "$tid"
	local f1=$(jget "$(ctl --json telemetry)" 'r["nics"][0]["tx_ring_full"]') p1=$(txc)
	echo "$((f1 - f0)) $((p1 - p0))" >"$T/scand.ringfull"
	# probes built per probe sent: count probe_build calls with a uprobe (slows the
	# worker down; only the ratio is used)
	perf probe -q -d 'probe_scand:*' 2>/dev/null # left over from an interrupted run
	if perf probe -q -x "$SCAND" --add probe_build 2>"$T/uprobe.err"; then
		UPROBE=probe_scand:probe_build
		perf stat -x, -e "$UPROBE" -t "$tid" -o "$T/scand.uprobe" -- bash -c "sample 2 $T/scand.uprobe.packets"
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
	bench_track $pid xsk_bare
	sleep 1.5
	measure bare "$pid"
	kill -TERM "$pid"
	wait "$pid"
}

# callgrind_run: scand af_xdp under valgrind, one job of 198.18.0.0/16 x 8 ports
callgrind_run() {
	[ "$CALLGRIND" = 1 ] || return 0
	command -v valgrind >/dev/null || { echo "callgrind skipped: valgrind not installed (apt-get install valgrind)"; return 0; }
	echo
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'
	rm -rf "$T/state"
	SCAND_WRAP="valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=$T/cg.out" \
		scand_start "$T/scand.conf"
	local job=$(ctl submit 198.18.0.0/16 -p 1-8 -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$gw")
	WAIT_S=600 wait_state "$job" done
	local sent=$(jget "$(ctl --json status "$job")" 'r["sent"]')
	scand_stop
	python3 "$SRCDIR/bench/cgsplit.py" "$sent" "$T"/cg.out-*
}

# bare_variants: each option set REPEAT times, interleaved, profiled like the
# bare sender above (perf stat + perf record), one summary line each
bare_variants() {
	local v i n=0 pid
	[ -n "$VARIANTS" ] || return 0
	: >"$T/variants"
	for i in $(seq "$REPEAT"); do
		while IFS= read -r v; do
			n=$((n + 1))
			ip netns exec "$SCAN_NS" "$BARE" -i sc0 -c "$CORE" -w 0 -d 60 $v >/dev/null &
			pid=$!
			bench_track $pid xsk_bare
			sleep 1
			measure "var$n" "$pid"
			kill -TERM "$pid"
			wait "$pid"
			printf 'var%s\t%s\n' "$n" "${v:-default}" >>"$T/variants"
		done <<<"${VARIANTS//;/$'\n'}"
	done
	echo
	python3 "$SRCDIR/bench/perfsplit.py" --variants "$T"
}

echo "$(bench_machine); thread pinned to core $CORE"
profile_scand
profile_bare
python3 "$SRCDIR/bench/perfsplit.py" "$T"
callgrind_run
bare_variants
