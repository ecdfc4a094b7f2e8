#!/usr/bin/env bash
# Results at scale (issue 27), for the build given and, when BASE is set,
# for a baseline build dir in the same run: a finished job whose results are
# replaced by ROWS synthetic rows (tests/integration/synth_results.py), scand
# restarted without a row index.
#  1. the first `scanctl results` (the index built on the way) with a
#     heartbeat probe on another connection: rows/s and the heartbeat's
#     latency p50 / p99 / max (a stall of the loop shows in the max);
#  2. with the index in place: `scanctl results` to a file in NDJSON and in
#     CSV, and `--follow`, rows/s each (best of RUNS), heartbeat again.
# Usage: sudo bench/results.sh [BUILD_DIR]   env: ROWS (2100000), RUNS (3),
#        BASE (a build dir to compare with, e.g. one of the previous main)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
ROWS=${ROWS:-2100000}
RUNS=${RUNS:-3}
export SRCDIR=$PWD
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$B/daemon/scand" "$B/ctl/scanctl"
bench_setup
bench_machine

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# timed LABEL CMD...: runs CMD with a heartbeat probe beside it; prints rows/s
timed() {
	local label=$1 t0 ms hb
	shift
	rm -f "$T/hb.stop"
	python3 tests/integration/hbprobe.py "$T/control.sock" "$T/hb.stop" >"$T/hb.json" &
	local hbpid=$!
	t0=$(now_ms)
	"$@" >/dev/null 2>&1 || fail "$label failed"
	ms=$(($(now_ms) - t0))
	touch "$T/hb.stop"
	wait $hbpid
	hb=$(cat "$T/hb.json")
	printf '  %-28s %9d rows/s  (%6d ms)  heartbeat p50 %s p99 %s max %s ms\n' "$label" $((ROWS * 1000 / (ms ? ms : 1))) \
		"$ms" "$(jget "$hb" 'r["p50_ms"]')" "$(jget "$hb" 'r["p99_ms"]')" "$(jget "$hb" 'r["max_ms"]')"
}

best_of() { # LABEL CMD...: RUNS times, each printed
	local label=$1 i
	shift
	for i in $(seq "$RUNS"); do timed "$label #$i" "$@"; done
}

bench_build() { # BUILD_DIR NAME
	SCAND=$1/daemon/scand SCANCTL=$1/ctl/scanctl
	echo "== $2 ($1), $ROWS rows"
	rm -rf "$T/state"
	scand_config "$T/scand.conf"
	scand_start "$T/scand.conf"
	local job
	job=$(ctl submit 198.18.1.1-198.18.1.20 -p 80 -r 2000 --wait -o /dev/null 2>/dev/null) || fail "small job"
	scand_stop
	python3 tests/integration/synth_results.py "$T/state/jobs/$job" "$ROWS" >/dev/null || fail "synth"
	scand_start "$T/scand.conf"
	timed "first results (no index)" ctl results "$job" -o "$T/out.ndjson"
	best_of "results ndjson" ctl results "$job" -o "$T/out.ndjson"
	best_of "results csv" ctl results "$job" -O csv -o "$T/out.csv"
	best_of "results --follow" ctl results "$job" --follow -o "$T/out.follow"
	[ "$(wc -l <"$T/out.ndjson")" = "$ROWS" ] || fail "$2: $(wc -l <"$T/out.ndjson") rows, want $ROWS"
	rm -f "$T"/out.*
	scand_stop
}

bench_build "$B" current
[ -n "${BASE:-}" ] && bench_build "$(realpath "$BASE")" baseline
exit 0
