#!/usr/bin/env bash
# The veth of one of two NICs is deleted mid-scan: that NIC's part stops with
# a clear error in job.status and daemon.info, the other NIC's part finishes,
# the daemon keeps serving, and the job is held (its unsent probes kept, the
# checkpoint untouched). When the interface comes back, SIGHUP re-opens it,
# the held job resumes and ends exact, and a new job over both NICs gives
# exact results; daemon.reload does the same over the socket.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101
make_truth 30 22,80,443 "$T/truth"
scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = af_packet\n[nic "sc1"]\nengine = af_packet\nsource_ip = 198.18.101.100\n')"
scand_start "$T/scand.conf"

make_truth 40 5,25,45 "$T/truth60"
job=$(ctl submit "$TARGETS" -p 1-60 -r 3000) || fail submit # ~5 s
wait_state "$job" running
sleep 1.5
ip -n "$SCAN_NS" link del sc1
WAIT_S=30 wait_state "$job" held
st=$(ctl --json status "$job")
jget "$st" 'r["error"]' | grep -q 'sc1: the interface disappeared.*probes are left for when it is back' ||
	fail "job error unclear: $st"
[ "$(jget "$st" 'r["sent"] < r["total"]')" = True ] || fail "held job should have probes left: $st"
info=$(ctl --json info)
[ "$(jget "$info" '[n["state"] for n in r["nics"]]')" = "['up', 'failed']" ] || fail "daemon.info: $info"
jget "$info" 'r["nics"][1]["error"]' | grep -q 'systemctl reload scand' || fail "NIC error lacks the fix: $info"
tel=$(ctl --json telemetry)
[ "$(jget "$tel" 'r["nics"][0]["tx_packets"] >= 254 * 60 // 2')" = True ] || fail "sc0's part did not finish: $tel"
[ "$(jget "$(ctl --json heartbeat)" 'r["ok"] and r["nics_up"] == 1')" = True ] || fail "heartbeat after NIC loss"
echo "sc1 lost mid-scan: $(jget "$st" 'r["error"]')"

# the interface comes back: SIGHUP re-opens it
testbed_link "$SCAN_NS" sc1 tg1b 198.18.101 101
kill -HUP "$SCAND_PID"
for _ in $(seq 50); do [ "$(jget "$(ctl --json info)" 'r["nics"][1]["state"]')" = up ] && break; sleep 0.1; done
[ "$(jget "$(ctl --json info)" 'r["nics"][1]["state"]')" = up ] || fail "SIGHUP did not re-open sc1"
WAIT_S=30 wait_state "$job" done
ctl results "$job" -o "$T/r60.ndjson" || fail "results of the resumed job"
{ cat "$T/truth60"; grep ':22$' "$T/truth"; } | sort -u >"$T/truth-all"
check_results "$T/r60.ndjson" "$T/truth-all" "$(probes 1-60)" || fail "the held job did not end exact after SIGHUP"
echo "held job resumed after SIGHUP and ended exact"
ctl submit 198.18.1.1-198.18.1.254 -p 22,80,443 -r 5000 --wait -o "$T/r.ndjson" >/dev/null 2>&1 || fail "job after re-open"
check_results "$T/r.ndjson" "$T/truth" $((254 * 3)) || fail "results after re-open"
grep -q '"nic":"sc1"' "$T/r.ndjson" || fail "sc1 carried no replies after re-open"

# and daemon.reload over the socket
ip -n "$SCAN_NS" link del sc1
sleep 1.5
[ "$(jget "$(ctl --json info)" 'r["nics"][1]["state"]')" = failed ] || fail "idle NIC loss not noticed"
testbed_link "$SCAN_NS" sc1 tg1c 198.18.101 101
r=$(rpc '{"jsonrpc":"2.0","id":1,"method":"daemon.reload"}')
[ "$(jget "$r" 'r["result"]["nics"][1]["state"]')" = up ] || fail "daemon.reload: $r"
echo PASS
