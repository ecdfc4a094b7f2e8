#!/usr/bin/env bash
# The orchestrator-facing API against a live scand on the netns testbed:
# heartbeat fields, JSON-RPC 2.0 notifications and batches on the socket,
# idempotent submit (retried after a dropped connection, across a restart,
# refused for another spec), labels, and streamed results followed by
# `scanctl results --follow` through a kill -9 and restart of scand: the
# followed rows equal the stored ones (none lost or doubled) and the truth.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
PORTS=22,80,443,8080
make_truth 60 "$PORTS" "$T/truth"

# heartbeat: every documented field with its type
python3 - "$(ctl --json heartbeat)" <<'PY' || fail "heartbeat fields"
import json, sys
h = json.loads(sys.argv[1])
types = {"ok": bool, "version": str, "features": dict, "engines": list, "uptime_s": (int, float),
         "jobs": dict, "nics_up": (int, float), "nics": (int, float), "pps": (int, float),
         "rate_pps": (int, float), "pressure": str}
for k, t in types.items():
    assert isinstance(h.get(k), t), (k, h.get(k))
assert set(h["jobs"]) >= {"queued", "running", "cooldown", "done", "failed", "cancelled"}, h["jobs"]
assert set(h["features"]) == {"af_xdp", "dpdk", "systemd", "numa"}, h["features"]
assert h["last_error"] is None or set(h["last_error"]) == {"at", "message"}, h["last_error"]
assert h["pressure"] in ("none", "cpu", "network") and h["nics_up"] == h["nics"] == 1
print("heartbeat", h)
PY

# JSON-RPC 2.0 on the socket: a notification gets nothing (the next line is
# the reply to the next request), a batch one array, a batch of
# notifications nothing at all.
python3 - "$T/control.sock" <<'PY' || fail "JSON-RPC 2.0 framing on the socket"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
f = s.makefile("rwb")
def send(o): f.write((json.dumps(o) + "\n").encode()); f.flush()
send({"jsonrpc": "2.0", "method": "heartbeat"})
send([{"jsonrpc": "2.0", "method": "heartbeat"}, {"jsonrpc": "2.0", "method": "nope"}])
send([{"jsonrpc": "2.0", "method": "heartbeat", "id": "a"}, {"jsonrpc": "2.0", "method": "heartbeat"},
      {"jsonrpc": "2.0", "method": "job.list", "id": 7}, {"x": 1}])
r = json.loads(f.readline())
assert isinstance(r, list) and len(r) == 3, r
ids = sorted(str(x["id"]) for x in r)
assert ids == ["7", "None", "a"], ids
send({"jsonrpc": "2.0", "method": "heartbeat", "id": 9})
assert json.loads(f.readline())["id"] == 9
print("notifications unanswered, batch answered as one array")
PY

# idempotent submit: the first submit's connection drops before its reply
# is read; the retry with the same key and spec gets that job
python3 - "$T/control.sock" <<'PY' || fail "submit without reading the reply"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
p = {"targets": ["198.18.1.1-198.18.1.254"], "ports": "22,80,443,8080", "rate_pps": 100,
     "client_key": "fleet-1/host0", "labels": {"campaign": "weekly"}}
s.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": "job.submit", "params": p}) + "\n").encode())
s.close()
PY
for _ in $(seq 50); do [ "$(ctl --json jobs | jget "$(cat)" 'len(r["jobs"])')" = 1 ] && break; sleep 0.1; done
submit_k() { ctl "$@" submit 198.18.1.1-198.18.1.254 -p $PORTS -r 100 --key fleet-1/host0 --label campaign=weekly; }
job=$(submit_k 2>"$T/retry.err") || fail "retried submit"
grep -q "nothing new submitted" "$T/retry.err" || fail "the retry should say the key was used: $(cat "$T/retry.err")"
[ "$(ctl --json jobs | jget "$(cat)" '[j["job_id"] for j in r["jobs"]]')" = "['$job']" ] || fail "a second job was created"
[ "$(submit_k --json | jget "$(cat)" '(r["job_id"], r["created"])')" = "('$job', False)" ] || fail "retry: not the first job"
ctl submit 198.18.1.1-198.18.1.254 -p 22 --key fleet-1/host0 2>"$T/diff.err" && fail "same key, other spec accepted"
grep -q "field: client_key" "$T/diff.err" || fail "other spec: $(cat "$T/diff.err")"
[ "$(ctl --json status "$job" | jget "$(cat)" '(r["client_key"], r["labels"])')" = "('fleet-1/host0', {'campaign': 'weekly'})" ] ||
	fail "status lacks key or labels"

# a second job with another label; the label filter
other=$(ctl submit 198.18.1.1-198.18.1.20 -p 22 -r 1000 --label campaign=adhoc) || fail "submit other"
[ "$(ctl --json jobs --label campaign=weekly | jget "$(cat)" '[j["job_id"] for j in r["jobs"]]')" = "['$job']" ] || fail "label filter"
[ "$(ctl --json jobs --label campaign=adhoc | jget "$(cat)" '[j["job_id"] for j in r["jobs"]]')" = "['$other']" ] || fail "label filter 2"

# follow the first job's rows while scand is killed and restarted mid-scan
wait_state "$job" running
ctl results "$job" --follow -o "$T/followed.ndjson" 2>"$T/follow.err" &
FOLLOW=$!
sleep 3
[ -s "$T/followed.ndjson" ] || fail "no rows streamed within 3 s"
before=$(wc -l <"$T/followed.ndjson")
kill -KILL "$SCAND_PID"; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
sleep 1
kill -0 "$FOLLOW" 2>/dev/null || fail "scanctl --follow gave up when scand went away: $(cat "$T/follow.err")"
scand_start "$T/scand.conf"
# the key survived the restart
[ "$(submit_k --json | jget "$(cat)" '(r["job_id"], r["created"])')" = "('$job', False)" ] || fail "key lost in the restart"
WAIT_S=120 wait_state "$job" done
wait "$FOLLOW" || fail "scanctl --follow exited $?: $(cat "$T/follow.err")"
ctl results "$job" -o "$T/stored.ndjson" || fail results
cmp "$T/followed.ndjson" "$T/stored.ndjson" || fail "followed rows differ from the stored ones (lost or doubled rows)"
check_results "$T/followed.ndjson" "$T/truth" "$(probes $PORTS)" || fail "followed rows are not the ground truth"
echo "followed $(wc -l <"$T/followed.ndjson") rows ($before before the kill), identical to job.results"

# a scanctl submit whose connection scand drops before answering retries
# (same key) until scand is back, and gets one job
kill -STOP "$SCAND_PID"
ctl submit 198.18.1.1-198.18.1.30 -p 22 -r 1000 --key late-1 >"$T/late.out" 2>"$T/late.err" &
LATE=$!
sleep 1
kill -KILL "$SCAND_PID"; kill -CONT "$SCAND_PID" 2>/dev/null; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
scand_start "$T/scand.conf"
wait "$LATE" || fail "submit --key did not survive the dropped connection: $(cat "$T/late.err")"
grep -q "sending it again" "$T/late.err" || fail "no retry seen: $(cat "$T/late.err")"
[ "$(ctl --json jobs | jget "$(cat)" 'sum(1 for j in r["jobs"] if j["client_key"] == "late-1")')" = 1 ] || fail "late-1: not exactly one job"
scand_stop # under ASan a leak or error makes this exit status non-zero
[ "$SCAND_EXIT" = 0 ] || fail "scand exited with status $SCAND_EXIT at SIGTERM"
echo PASS
