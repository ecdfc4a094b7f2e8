#!/usr/bin/env bash
# Races around a lost NIC (each found by the soak test):
# 1. A job that starts in the moment between a NIC's interface disappearing
#    and the tick noticing it is held, not failed (its resume point kept);
#    after the veth is back and SIGHUP it runs and ends exact (it used to
#    fail for good with "sc1: no such interface"). A long tick (5 s) makes
#    the moment wide enough to hit.
# 2. A two-NIC job loses sc1, and sc1 is back (veth re-added, SIGHUP) while
#    the job's sc0 part still runs: the job resumes sc1's unsent positions
#    without another reload and ends exact (it used to wait as held for a
#    reload that had already happened).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101 >>"$T/testbed.log" 2>&1 || fail "second veth"
make_truth 30 22,80,443 "$T/truth"
scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = af_packet\n[nic "sc1"]\nengine = af_packet\nsource_ip = 198.18.101.100\n')"
sed -i 's/^\[rate\]$/&\ntick_ms = 5000/' "$T/scand.conf"
scand_start "$T/scand.conf"
nic_state() { jget "$(ctl --json info)" '[n["state"] for n in r["nics"] if n["name"] == "sc1"][0]'; }

for attempt in 1 2 3; do
	ip -n "$SCAN_NS" link del sc1
	job=$(ctl submit "$TARGETS" -p 22,80,443 -r 2000 -i sc1) || fail "submit"
	st=$(ctl --json status "$job")
	jget "$st" 'r["error"] or ""' | grep -q 'sc1: no such interface' && break
	# the tick noticed the loss first (the job waits for the usual reason): again
	echo "attempt $attempt: the tick was first ($(jget "$st" 'r["error"]'))"
	testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101 >>"$T/testbed.log" 2>&1 || fail "re-add sc1"
	kill -HUP "$SCAND_PID"
	WAIT_S=30 wait_state "$job" done
	[ "$attempt" = 3 ] && fail "never submitted before the tick noticed sc1 was gone"
done
[ "$(jget "$st" 'r["state"]')" = held ] || fail "a job starting on a vanished interface should be held: $st"
jget "$st" 'r["error"]' | grep -q 'systemctl reload scand' || fail "held without the fix: $st"
[ -f "$T/state/jobs/$job/checkpoint.json" ] || fail "no checkpoint for the held job"
echo "started as sc1 vanished: held ($(jget "$st" 'r["error"]'))"

for _ in $(seq 100); do [ "$(nic_state)" = failed ] && break; sleep 0.1; done
[ "$(nic_state)" = failed ] || fail "the tick did not notice sc1 was gone"
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101 >>"$T/testbed.log" 2>&1 || fail "re-add sc1"
kill -HUP "$SCAND_PID"
WAIT_S=30 wait_state "$job" done
ctl results "$job" -o "$T/r.ndjson" || fail "results"
check_results "$T/r.ndjson" "$T/truth" "$(probes 22,80,443)" || fail "the held job did not end exact"

make_truth 30 5,25,45 "$T/truth60"
job=$(ctl submit "$TARGETS" -p 1-60 -r 1000 -i sc0 -i sc1) || fail "submit the two-NIC job" # ~15 s
wait_state "$job" running
sleep 2
ip -n "$SCAN_NS" link del sc1
for _ in $(seq 100); do [ "$(nic_state)" = failed ] && break; sleep 0.1; done
[ "$(nic_state)" = failed ] || fail "the tick did not notice sc1 was gone"
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101 >>"$T/testbed.log" 2>&1 || fail "re-add sc1"
kill -HUP "$SCAND_PID"
for _ in $(seq 50); do [ "$(nic_state)" = up ] && break; sleep 0.1; done
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["state"]')" = running ] || fail "sc1 back before the sc0 part ended: make the job longer: $st"
WAIT_S=60 wait_state "$job" done
grep -q "job $job: its NICs are all up again" "$T/scand.log" || fail "the requeue is not logged"
ctl results "$job" -o "$T/r60.ndjson" || fail "results"
{ cat "$T/truth60"; grep ':22$' "$T/truth"; } | sort -u >"$T/truth-all"
check_results "$T/r60.ndjson" "$T/truth-all" "$(probes 1-60)" || fail "the two-NIC job did not end exact"
echo "sc1 back while sc0's part ran: the job resumed sc1's share without another reload"
scand_stop
[ "$SCAND_EXIT" = 0 ] || fail "scand exited $SCAND_EXIT at SIGTERM"
echo PASS
