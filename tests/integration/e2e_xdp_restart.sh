#!/usr/bin/env bash
# kill -9 scand while an af_xdp job runs: the kernel detaches scand's XDP
# program with the process (it is attached through a BPF link), the next
# start opens the NIC again in xdp-drv-copy mode, and the job resumes and
# ends exact. (The soak test found the program left attached after kill -9:
# every later start failed with "XDP attach ...: Device or resource busy"
# and the job stayed held.)
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp'
xdp_attached() { ip -n "$SCAN_NS" link show sc0 | grep -q 'prog/xdp'; }

scand_start "$T/scand.conf"
xdp_attached || fail "scand_xdp not attached at start"
job=$(ctl submit "$TARGETS" -p "$PORTS" -r 400) || fail submit
sleep 1.6
sent=$(jget "$(ctl --json status "$job")" 'r["sent"]')
[ "$sent" -gt 0 ] && [ "$sent" -lt "$(probes "$PORTS")" ] || fail "not mid-job: sent $sent"
kill -KILL "$SCAND_PID"
wait "$SCAND_PID" 2>/dev/null
SCAND_PID=
for _ in $(seq 50); do xdp_attached || break; sleep 0.1; done
xdp_attached && fail "the XDP program stayed on sc0 after kill -9: $(ip -n "$SCAN_NS" link show sc0)"
echo "kill -9 at $sent probes: the kernel detached the XDP program"

scand_start "$T/scand.conf"
info=$(ctl --json info)
[ "$(jget "$info" 'r["nics"][0]["state"] + " " + r["nics"][0]["mode"]')" = "up xdp-drv-copy" ] ||
	fail "af_xdp NIC after the restart: $info"
WAIT_S=30 wait_state "$job" done
ctl results "$job" -o "$T/r.ndjson" || fail results
check_results "$T/r.ndjson" "$T/truth" "$(probes "$PORTS")" || fail "the resumed af_xdp job differs"
scand_stop
[ "$SCAND_EXIT" = 0 ] || fail "scand exited $SCAND_EXIT at SIGTERM"
xdp_attached && fail "XDP program still attached after SIGTERM"
echo PASS
