#!/usr/bin/env bash
# af_packet with 4 queues on a 4-queue veth: four queue workers share the
# permutation, RX sockets share a PACKET_FANOUT group (or queue 0 receives
# alone, with a note, if fanout is refused); results stay exact and the
# per-queue TX counters add up to the job's sent count.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
TESTBED_QUEUES=4 lib_setup
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_packet\nqueues = 4'
scand_start "$T/scand.conf"

info=$(ctl --json info)
[ "$(jget "$info" 'r["nics"][0]["queues"]')" = 4 ] || fail "expected 4 queues: $info"
echo "mode: $(jget "$info" 'r["nics"][0]["mode"]') notes: $(jget "$info" 'r["nics"][0]["notes"]')"

job=$(ctl submit "$TARGETS" -p "$PORTS" -r 40000 --wait -o "$T/results.ndjson") ||
	fail "submit --wait"
check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "results differ from ground truth"
tel=$(ctl --json telemetry)
[ "$(jget "$tel" 'len(r["nics"][0]["queues"]) == 4 and sum(q["tx_packets"] for q in r["nics"][0]["queues"]) == '"$TOTAL")" = True ] ||
	fail "per-queue tx counters do not add up to $TOTAL: $tel"
[ "$(jget "$tel" 'all(q["tx_packets"] > 0 for q in r["nics"][0]["queues"])')" = True ] ||
	fail "a queue sent nothing: $tel"
echo PASS
