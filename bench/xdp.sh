#!/usr/bin/env bash
# Send-rate benchmark on a veth pair, every tool in the same run: the bare
# AF_XDP sender (bench/xsk_bare.c, the ceiling of the copy-mode path), scand
# af_xdp and af_packet, zmap and masscan (Debian packages). Each tool sends as
# fast as it can; sc0's TX counter is sampled over 2 s after 1.5 s of warm-up.
# For the bare sender and scand's workers the sending threads' CPU time over the
# same window is read too (/proc/TID/schedstat; softirq work done in their
# context included): CPU ns per packet depends much less on other load on the
# machine than pps does.
# Sections, in order:
#   1. peer drops in XDP, one queue: bare sender pinned to each core in turn,
#      scand af_xdp with its worker pinned to each core in turn (best of each
#      kept), scand af_packet, zmap, masscan; scand af_xdp as a fraction of bare
#   2. the target's kernel answers every probe (RST/SYN-ACK), one queue
#   3. peer drops in XDP on a veth with 2 TX/RX queues: one and two pinned bare
#      senders, scand af_xdp with queues = 1 and 2; scaling 1 -> 2 queues
# Usage: sudo bench/xdp.sh [BUILD_DIR]   (default build)
# env: RUNS (default 1) repeats everything; SECTIONS (default "1 2 3").
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
RUNS=${RUNS:-1}
SECTIONS=${SECTIONS:-1 2 3}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
BARE=$B/bench/xsk_bare
for t in zmap masscan; do
	command -v $t >/dev/null || { echo "xdp.sh: $t not installed (apt-get install $t)" >&2; exit 2; }
done
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$SCAND" "$SCANCTL" "$BARE" "$B/engines/xdp_drop.bpf.o"
bench_setup
: >"$T/empty"
NCPU=$(nproc)
SUMMARY="python3 $SRCDIR/bench/xdpsum.py"

top_cpu() { # busiest thread of a pid, % (one sample)
	top -b -H -n 1 -d 0.5 -p "$1" 2>/dev/null | awk 'NR>7 {print $9; exit}'
}
gw_mac() { ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}'; }
peer_drop() {
	ip -n "$TARGET_NS" link set tg0 xdp off
	ip -n "$TARGET_NS" link set tg0 xdp obj "$B/engines/xdp_drop.bpf.o" sec xdp || fail "cannot attach xdp_drop to tg0"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
QUEUES=1
use_queues() { # N: rebuilds the testbed with N-queue veths when it has another count
	[ "$QUEUES" = "$1" ] && return 0
	testbed_down >/dev/null 2>&1
	TESTBED_QUEUES=$1 testbed_up >"$T/testbed$1.log" 2>&1 || { cat "$T/testbed$1.log"; fail "$1-queue testbed"; }
	QUEUES=$1
}

# run_bare QUEUE:CORE... -> window result, all senders at once; each sender's
# own line (completions, kicks) goes to stderr
run_bare() {
	local pids=() qc
	for qc in "$@"; do
		ip netns exec "$SCAN_NS" "$BARE" -i sc0 -q "${qc%:*}" -c "${qc#*:}" -w 0 -d 5 \
			>"$T/bare-${qc%:*}.out" 2>&1 &
		pids+=($!)
		bench_track $! xsk_bare
	done
	local r=$(window 1.5 "${pids[@]}")
	kill -TERM "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	for qc in "$@"; do sed "s/^/  /" "$T/bare-${qc%:*}.out" >&2; done
	echo "$r"
}

# scand_job ENGINE QUEUES TARGET PORTS: starts scand and an unlimited job; sets JOB
scand_job() {
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$1"$'\nqueues = '"$2"
	rm -rf "$T/state"
	scand_start "$T/scand.conf"
	bench_track "$SCAND_PID"
	JOB=$(ctl submit "$3" -p "$4" -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$(gw_mac)")
}
scand_end() {
	ctl cancel "$JOB" >/dev/null
	local st=$(ctl --json status "$JOB")
	echo "  scand: own counters $(jget "$st" 'r["sent"]') probes sent, $(jget "$st" 'round(r["tx_rate_pps"])') pps over the job" >&2
	scand_stop
}

# run_scand ENGINE QUEUES TARGET PORTS -> window result (default worker placement)
run_scand() {
	scand_job "$1" "$2" "$3" "$4"
	local tids
	tids=$(worker_tids) || exit 1
	local r=$(window 1.5 $tids)
	echo "  scand $1, $2 queue(s), workers on cores $(for t in $tids; do taskset -pc "$t" | sed 's/.*: //'; done | tr '\n' ' '): $r (pps ns/pkt cpu%)" >&2
	scand_end
	echo "$r"
}

# run_scand_cores TARGET PORTS -> one window result per core: scand af_xdp, one
# queue, its worker re-pinned (taskset) to each core in turn within the same job
run_scand_cores() {
	scand_job af_xdp 1 "$1" "$2"
	local c tid warm=1.5 r
	tid=$(worker_tids) || exit 1
	for c in $(seq 0 $((NCPU - 1))); do
		taskset -pc "$c" "$tid" >/dev/null || fail "cannot pin scand's worker $tid to core $c"
		r=$(window $warm "$tid")
		warm=0.5
		echo "  scand af_xdp, worker on core $c: $r (pps ns/pkt cpu%)" >&2
		echo "$r"
	done
	scand_end
}

run_zmap() { # target port
	ip netns exec "$SCAN_NS" zmap -q -i sc0 -p "$2" -S 198.18.0.100 -G "$(gw_mac)" -b "$T/empty" \
		-B 10G -c 0 -P 200 -o /dev/null "$1" >/dev/null 2>&1 &
	local p=$! r=$(window 1.5) cpu=$(top_cpu $!)
	kill $p 2>/dev/null; wait $p 2>/dev/null
	echo "${r%% *} - ${cpu:-?}"
}
run_masscan() { # target ports
	ip netns exec "$SCAN_NS" masscan "$1" -p"$2" --rate 100000000 --adapter sc0 \
		--adapter-ip 198.18.0.100 --router-mac "$(gw_mac | tr : -)" --wait 0 >/dev/null 2>&1 &
	local p=$! r=$(window 1.5) cpu=$(top_cpu $!)
	kill $p 2>/dev/null; wait $p 2>/dev/null
	echo "${r%% *} - ${cpu:-?}"
}

# Section 1: one queue, peer drops in XDP; bare per core, scand per core, the rest
section_drop() {
	local c bare=()
	use_queues 1
	peer_drop
	for c in $(seq 0 $((NCPU - 1))); do bare+=("$(run_bare "0:$c")"); done
	local x=$(run_scand_cores 198.18.0.0/16 1-1000)
	local p=$(run_scand af_packet 1 198.18.0.0/16 1-1000)
	local z=$(run_zmap 198.18.0.0/16 80) m=$(run_masscan 198.18.0.0/16 1-1000)
	ip -n "$TARGET_NS" link set tg0 xdp off
	$SUMMARY drop "$(loadavg)" "${bare[*]}" "$(echo $x)" "$p" "$z" "$m"
}

# Section 2: the target's kernel answers for a /17 (SYN-ACK or RST for every probe)
section_kernel() {
	use_queues 1
	ip -n "$TARGET_NS" link set tg0 xdp off
	ip -n "$TARGET_NS" route replace local 198.18.128.0/17 dev lo
	ip -n "$SCAN_NS" route replace 198.18.128.0/17 via 198.18.0.2 dev sc0
	local x=$(run_scand af_xdp 1 198.18.128.0/17 1-1000) p=$(run_scand af_packet 1 198.18.128.0/17 1-1000)
	local z=$(run_zmap 198.18.128.0/17 80) m=$(run_masscan 198.18.128.0/17 1-1000)
	$SUMMARY kernel "$(loadavg)" "$x" "$p" "$z" "$m"
}

# Section 3: a veth with 2 queues; bare and scand, 1 and 2 queues, same testbed
section_queues() {
	use_queues 2
	peer_drop
	local b1=$(run_bare 0:0) b1s=$(run_bare 0:1) b2=$(run_bare 0:0 1:1) b2s=$(run_bare 0:1 1:0)
	local x1=$(run_scand af_xdp 1 198.18.0.0/16 1-1000) x2=$(run_scand af_xdp 2 198.18.0.0/16 1-1000)
	$SUMMARY queues "$(loadavg)" "$b1" "$b1s" "$b2" "$b2s" "$x1" "$x2"
}

bench_machine
for run in $(seq "$RUNS"); do
	echo "== run $run"
	for s in $SECTIONS; do
		case $s in
		1) section_drop ;;
		2) section_kernel ;;
		3) section_queues ;;
		*) echo "xdp.sh: unknown section $s (1, 2 or 3)" >&2; exit 2 ;;
		esac
	done
done
