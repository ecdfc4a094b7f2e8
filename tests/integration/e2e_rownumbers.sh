#!/usr/bin/env bash
# Row numbers never move (issue 27): a result stream holds an offset past
# row 200 of a finished job when that row is corrupted on disk and scand is
# restarted. Resumed from its offset, the stream neither skips nor repeats a
# row: the client's rows are the job's rows, each once, in order. The
# corrupt row is not served (scanctl results gives every other row), it is
# copied to results.corrupt with its line number, and no read rewrites
# results.ndjson.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
job=$(ctl submit "$TARGETS" -p 1-10 -r 5000 --wait -o "$T/orig.ndjson" 2>/dev/null) || fail "submit --wait"
f=$T/state/jobs/$job/results.ndjson
cmp -s "$f" "$T/orig.ndjson" || fail "the job's file and its results differ before the test"
rows=$(wc -l <"$f")

# stream_from OFFSET LIMIT BATCHES: job.results batches of a result stream
# (text), appended to $T/client; prints the offset to resume from
stream_from() {
	python3 - "$T/control.sock" "$job" "$1" "$2" "$3" "$T/client" <<'PY'
import json, socket, sys
path, job, off, limit, batches, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
s = socket.socket(socket.AF_UNIX); s.connect(path); s.settimeout(30); f = s.makefile("rb")
s.sendall(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "events.subscribe", "params": {
    "job_id": job, "results": True, "offset": off, "limit": limit, "text": True}}).encode() + b"\n")
n = 0
with open(out, "a") as o:
    while n < batches:
        m = json.loads(f.readline())
        if m.get("method") != "job.results":
            assert "result" in m, m
            continue
        p = m["params"]
        assert p["offset"] == off, (p["offset"], off)
        o.write(p["text"]); off = p["next_offset"]; n += 1
        if p["complete"]:
            break
print(off)
PY
}

: >"$T/client"
held=$(stream_from 0 300 1) || fail "first batch"
[ "$held" = 300 ] || fail "the first batch should end at row 300, not $held"
scand_stop
sed -i '201s/.*/{"ip":"198.18.1.77","port":garbage}/' "$f" # row 200, behind the client's offset
cp "$f" "$T/corrupted"
scand_start "$T/scand.conf"
# the changed file's row index is rebuilt off the loop: the first reader is told to retry
reply=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"job.results\",\"params\":{\"job_id\":\"$job\"}}")
[ "$(jget "$reply" 'r["error"]["code"] == -32001 and r["error"]["data"]["retry_after_ms"] > 0')" = True ] ||
	fail "a reader during the index rebuild should be told to retry: $reply"
end=$(stream_from "$held" 1000 1000) || fail "resuming the stream"
[ "$end" = "$rows" ] || fail "the stream ended at row $end of $rows"
cmp -s "$T/client" "$T/orig.ndjson" || fail "the client's rows are not the job's rows exactly once: $(diff "$T/client" "$T/orig.ndjson" | head -5)"
echo "stream held at row $held, row 200 corrupted, scand restarted: $rows rows, each once"

ctl results "$job" -o "$T/served.ndjson" || fail "scanctl results"
sed '201d' "$T/orig.ndjson" | cmp -s - "$T/served.ndjson" || fail "served rows are not every row but the corrupt one"
grep -q '^line 201: {"ip":"198.18.1.77","port":garbage}' "$T/state/jobs/$job/results.corrupt" || fail "results.corrupt"
cmp -s "$f" "$T/corrupted" || fail "reading rewrote results.ndjson"
echo "the corrupt row is not served, copied to results.corrupt; results.ndjson untouched"
echo PASS
