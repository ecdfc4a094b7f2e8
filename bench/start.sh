#!/usr/bin/env bash
# Job start/end latency and one-probe turnaround of a resident scand (issue 16),
# on a netns testbed whose target kernel answers (listener on 198.18.1.1:80).
#  (a) JOBS one-probe jobs, one after the other, on an already-bound NIC for each
#      engine in ENGINES: job.submit returned -> first probe on the wire (kernel
#      receive timestamp on tg0; af_xdp/af_packet) and -> engine TX counter moved
#      (telemetry.get polled; every engine); first probe -> job seen done.
#  (b) RUNS x `scanctl submit 198.18.1.1 -p 80 --cooldown 0 --wait` against
#      `zmap -c 0` for the same single probe, alternating, in the scanner netns.
#  (c) where (b)'s scanctl time goes (startlat.py breakdown), with state_dir on
#      this disk and then on a tmpfs: the difference is the cost of the fsyncs.
# Usage: sudo bench/start.sh [BUILD_DIR]   (default build)
# env: JOBS (100), RUNS (20), ENGINES ("null af_xdp"), PARTS ("a b c"),
#      BREAKDOWN_ALL=1 (c: every run's time)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
JOBS=${JOBS:-100}
RUNS=${RUNS:-20}
ENGINES=${ENGINES:-null af_xdp}
PARTS=${PARTS:-a b c}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
command -v zmap >/dev/null || { echo "start.sh: zmap not installed (apt-get install zmap)" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$SCAND" "$SCANCTL"
start_cleanup() {
	umount "$T/state" 2>/dev/null
	bench_cleanup
}
bench_setup start_cleanup
LAT="python3 $SRCDIR/bench/startlat.py --socket $T/control.sock"
: >"$T/empty" # zmap's default blocklist covers 198.18.0.0/15
echo "198.18.1.1:80" >"$T/truth"
testbed_listen_file "$T/truth"
gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

start_engine() { # ENGINE
	umount "$T/state" 2>/dev/null
	rm -rf "$T/state"
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$1"$'\nqueues = 1'
	scand_start "$T/scand.conf"
	ctl info | grep -i "sc0" | head -n 3 | sed 's/^/  /'
}

part_a() {
	local e cap
	for e in $ENGINES; do
		echo "(a) job start latency, engine $e, $JOBS one-probe jobs"
		start_engine "$e"
		cap=""
		[ "$e" = null ] || cap="--capture tg0"
		ip netns exec "$TARGET_NS" $LAT --gateway-mac "$gw" start --jobs "$JOBS" --label "$e" $cap ||
			fail "start latency run ($e) failed"
		scand_stop
	done
}

part_b() {
	echo "(b) one-probe turnaround, $RUNS runs each, alternating (scand af_xdp, queues = 1)"
	start_engine af_xdp
	ip netns exec "$SCAN_NS" $LAT --gateway-mac "$gw" turnaround --runs "$RUNS" \
		--blocklist "$T/empty" --scanctl "$SCANCTL" || fail "turnaround run failed"
	scand_stop
}

part_c() {
	local where
	for where in disk tmpfs; do
		start_engine af_xdp
		if [ $where = tmpfs ]; then # scand restarted on a tmpfs state_dir
			scand_stop
			mkdir -p "$T/state" && mount -t tmpfs -o mode=0750 scand-bench "$T/state" ||
				fail "cannot mount a tmpfs on $T/state"
			scand_start "$T/scand.conf"
		fi
		echo "(c) scanctl's turnaround in steps, state_dir on $where ($(stat -f -c %T "$T/state"))"
		ip netns exec "$SCAN_NS" $LAT --gateway-mac "$gw" breakdown --runs "$RUNS" \
			--scanctl "$SCANCTL" --label "$where" ${BREAKDOWN_ALL:+--all} || fail "breakdown run ($where) failed"
		scand_stop
	done
	umount "$T/state" 2>/dev/null
}

bench_machine
echo "scand $("$SCAND" --version | head -n 1)"
for p in $PARTS; do
	"part_$p"
done
