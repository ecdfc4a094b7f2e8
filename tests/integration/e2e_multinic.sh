#!/usr/bin/env bash
# Three NICs in one daemon: three veth pairs from the scanner namespace to the
# one target namespace (each NIC its own subnet, source address and route to
# the target range). One job without "nics" uses all three: exact ground
# truth, every reply attributed to the NIC that received it, and per-NIC TX
# rates (TX counter deltas over 2 s) non-zero and within 10 % of each other.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101
testbed_link "$SCAN_NS" sc2 tg2 198.18.102 102
make_truth 50 5,10,20,30,40 "$T/truth"
scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = af_packet\n[nic "sc1"]\nengine = af_packet\nsource_ip = 198.18.101.100\n[nic "sc2"]\nengine = af_xdp\nqueues = 1\nsource_ip = 198.18.102.100\n')"
scand_start "$T/scand.conf"
[ "$(jget "$(ctl --json info)" '[n["state"] for n in r["nics"]]')" = "['up', 'up', 'up']" ] ||
	fail "all three NICs should be up: $(ctl nics)"

job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-40 -r 3000) || fail submit
wait_state "$job" running
# per-NIC send rates over a 2 s window of the engines' TX counters (one
# tick's rate is too noisy on a shared 2-vCPU machine)
tel1=$(ctl --json telemetry); t1=$(date +%s.%N)
sleep 2
tel2=$(ctl --json telemetry); t2=$(date +%s.%N)
ctl telemetry
python3 - "$tel1" "$tel2" "$t1" "$t2" <<'PY' || fail "per-NIC rates not balanced"
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
dt = float(sys.argv[4]) - float(sys.argv[3])
pps = [(nb["tx_packets"] - na["tx_packets"]) / dt for na, nb in zip(a["nics"], b["nics"])]
print("per-NIC tx pps over %.2f s:" % dt, [round(p) for p in pps])
assert min(pps) > 0, pps
assert max(pps) <= 1.10 * min(pps), pps
PY
WAIT_S=30 wait_state "$job" done
ctl results "$job" -o "$T/results.ndjson" || fail results
check_results "$T/results.ndjson" "$T/truth" $((254 * 40)) || fail "results differ from ground truth"
python3 - "$T/results.ndjson" <<'PY' || fail "replies not attributed to all three NICs"
import json, sys, collections
c = collections.Counter(json.loads(l)["nic"] for l in open(sys.argv[1]))
print("rows per NIC:", dict(c))
assert set(c) == {"sc0", "sc1", "sc2"}, c
assert max(c.values()) <= 1.2 * min(c.values()), c
PY
echo PASS
