#!/usr/bin/env bash
# Results at scale never stall the loop (issue 27): a finished job's
# results.ndjson replaced by 10 M synthetic rows (about 1 GB), scand
# restarted without its row index.
# 1. scanctl results pages through every row while a heartbeat probe on
#    another connection runs: the rows are the file's, byte for byte, and no
#    heartbeat waits a second (the old code stopped the loop for seconds
#    while it indexed the file on the first page); the stream's first batch
#    waits for the rebuilt index, then every batch follows.
# 2. After another restart results.idx is there: a page at the far end is
#    answered at once, no rebuild.
# 3. Reading changed nothing: the file (size, mtime, content) and the job's
#    counters are as they were.
# The latency percentiles are printed here and measured in bench/results.sh
# (BENCHMARKS.md), not asserted.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
N=${BIG_ROWS:-10000000}
lib_setup
free_mb=$(df -Pm "$T" | awk 'NR == 2 {print $4}')
[ "$free_mb" -gt 4000 ] || { echo "SKIP: $T has $free_mb MB free; 10 M rows need 4000"; exit 77; }
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.20 -p 80 -r 2000 --wait -o /dev/null 2>/dev/null) || fail "small job"
scand_stop
dir=$T/state/jobs/$job
python3 "$SRCDIR/tests/integration/synth_results.py" "$dir" "$N" || fail "synthesising $N rows"
want=$(sha256sum <"$dir/results.ndjson")
before=$(stat -c '%s %Y' "$dir/results.ndjson")

scand_start "$T/scand.conf"
counters() { jget "$(ctl --json status "$job")" '(r["results"], r["replies"], r["open"], r["closed"])'; }
c_before=$(counters)
python3 "$SRCDIR/tests/integration/hbprobe.py" "$T/control.sock" "$T/hb.stop" >"$T/hb.json" &
HB=$!
start=$(date +%s%N)
got=$(ctl results "$job" 2>"$T/results.err" | sha256sum)
ms=$((($(date +%s%N) - start) / 1000000))
touch "$T/hb.stop"
wait $HB
hb=$(cat "$T/hb.json")
[ "$got" = "$want" ] || fail "the rows served differ from the file"
[ ! -s "$T/results.err" ] || fail "scanctl results said: $(cat "$T/results.err")"
echo "$N rows in $ms ms ($((N * 1000 / ms)) rows/s, index rebuild included); heartbeat meanwhile: $hb"
[ "$(jget "$hb" 'r["n"] > 100 and r["errors"] == 0 and r["max_ms"] < 1000')" = True ] ||
	fail "the loop stalled while pages were served: $hb"
[ -f "$dir/results.idx" ] || fail "the rebuilt index was not stored"

scand_stop
scand_start "$T/scand.conf"
reply=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.results\",\"params\":{\"job_id\":\"$job\",\"offset\":$((N - 1000)),\"limit\":1000,\"text\":true}}")
[ "$(jget "$reply" 'r["result"]["count"] == 1000 and r["result"]["complete"]')" = True ] ||
	fail "after a restart with results.idx the last page should come at once: ${reply:0:300}"
echo "results.idx loaded: the last page at once"

[ "$(stat -c '%s %Y' "$dir/results.ndjson")" = "$before" ] || fail "reading changed results.ndjson's size or mtime"
[ "$(sha256sum <"$dir/results.ndjson")" = "$want" ] || fail "reading changed results.ndjson"
[ "$(counters)" = "$c_before" ] || fail "reading changed the job's counters: $c_before -> $(counters)"
echo "reading changed nothing: file and counters as before"
echo PASS
