#!/usr/bin/env bash
# The control protocol against a live daemon: a queue of 3 jobs runs in
# order, results paging, heartbeat, daemon.info, unknown method, invalid
# params, unknown job, an empty batch refused, helpful scanctl errors.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
make_truth 20 22,80 "$T/truth"
DAEMON_EXTRA="max_running_jobs = 1" scand_config "$T/scand.conf"
scand_start "$T/scand.conf"

expect_error() { # json code field
	local resp=$(rpc "$1")
	[ "$(jget "$resp" 'r["error"]["code"]')" = "$2" ] || fail "expected $2 for $1, got $resp"
	if [ -n "${3:-}" ]; then
		[ "$(jget "$resp" 'r["error"]["data"]["field"]')" = "$3" ] || fail "expected field $3 for $1, got $resp"
	fi
	[ "$(jget "$(rpc '{"jsonrpc":"2.0","id":9,"method":"heartbeat"}')" 'r["result"]["ok"]')" = True ] ||
		fail "daemon stopped answering after $1"
}

# three queued jobs run one after another (max_running_jobs = 1)
# the first job takes ~2.5 s, so the other two are still queued when checked
j1=$(ctl submit 198.18.1.1-198.18.1.254 -p 22,80 -r 200 --name first) || fail submit
j2=$(ctl submit 198.18.1.1-198.18.1.254 -p 22,80 -r 20000 --name second) || fail submit
j3=$(ctl submit 198.18.1.1-198.18.1.254 -p 22,80 -r 20000 --name third) || fail submit
q=$(ctl --json status "$j3")
[ "$(jget "$q" 'r["state"]')" = queued ] || fail "third job should be queued: $q"
hb=$(rpc '{"jsonrpc":"2.0","id":1,"method":"heartbeat"}')
[ "$(jget "$hb" 'r["result"]["jobs"]["queued"] >= 1 and r["result"]["nics_up"] == 1')" = True ] || fail "heartbeat: $hb"
WAIT_S=60 wait_state "$j3" done
for j in "$j1" "$j2" "$j3"; do
	[ "$(jget "$(ctl --json status "$j")" 'r["state"]')" = done ] || fail "$j not done"
done
s1=$(jget "$(ctl --json status "$j1")" 'r["finished_at"]')
s3=$(jget "$(ctl --json status "$j3")" 'r["started_at"]')
[[ "$s1" < "$s3" || "$s1" == "$s3" ]] || fail "job 3 started ($s3) before job 1 finished ($s1)"

# results paging: 508 rows in pages of 100
all=""; off=0; pages=0
while :; do
	page=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"job.results\",\"params\":{\"job_id\":\"$j2\",\"offset\":$off,\"limit\":100}}")
	n=$(jget "$page" 'r["result"]["count"]')
	[ "$n" -eq 0 ] && break
	off=$(jget "$page" 'r["result"]["next_offset"]'); pages=$((pages + 1))
done
[ "$off" -eq 508 ] && [ "$pages" -eq 6 ] || fail "paging: next_offset $off after $pages pages"
[ "$(jget "$page" 'r["result"]["complete"]')" = True ] || fail "last page not complete: $page"
csv=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"job.results\",\"params\":{\"job_id\":\"$j2\",\"limit\":2,\"format\":\"csv\"}}")
[ "$(jget "$csv" 'r["result"]["header"]')" = "ip,port,status,ttl,ts,nic" ] || fail "csv header: $csv"
ctl results "$j2" -o "$T/r2.ndjson" || fail "scanctl results"
check_results "$T/r2.ndjson" "$T/truth" 508 || fail "job 2 results"

# daemon.info reports the NIC, its engine and mode
info=$(rpc '{"jsonrpc":"2.0","id":4,"method":"daemon.info"}')
[ "$(jget "$info" 'r["result"]["nics"][0]["name"] + " " + r["result"]["nics"][0]["state"] + " " + r["result"]["nics"][0]["engine"]')" = "sc0 up af_packet" ] || fail "daemon.info: $info"
[ "$(jget "$info" '"af_packet" in r["result"]["engines"]')" = True ] || fail "engines: $info"

# protocol errors
expect_error '{"jsonrpc":"2.0","id":5,"method":"no.such"}' -32601 method
expect_error '{"jsonrpc":"2.0","id":6,"method":"job.submit","params":{"targets":["198.18.1.0/24"],"ports":"0"}}' -32602 ports
expect_error '{"jsonrpc":"2.0","id":7,"method":"job.submit","params":{"targets":["198.18.1.0/24"]}}' -32602 ports
expect_error '{"jsonrpc":"2.0","id":8,"method":"job.status","params":{"job_id":"j999999-0000"}}' -32002 job_id
expect_error '{"jsonrpc":"2.0","id":9,"method":"job.submit","params":{"targets":["192.168.1.0/24"],"ports":"80"}}' -32602 targets
expect_error '[]' -32600
expect_error '{"jsonrpc":"2.0","id":1,"method":' -32700

# scanctl exit codes and messages
ctl status j999999-0000 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no job" "$T/err" || fail "scanctl status unknown job: rc $rc $(cat "$T/err")"
"$SCANCTL" --socket "$T/nonexistent.sock" heartbeat 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q "is scand running" "$T/err" || fail "unreachable daemon: rc $rc $(cat "$T/err")"
echo PASS
