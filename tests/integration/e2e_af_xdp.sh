#!/usr/bin/env bash
# af_xdp engine end to end on a 4-queue veth: exact ground truth, per-queue
# TX counters add up to the job's sent count, the mode ladder lands on
# driver copy mode (veth has no zero-copy) and says why, ping and a TCP
# connection between the namespaces keep working while a scan runs (the XDP
# program passes everything that is not a scan reply), and the program is
# detached when scand stops.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
TESTBED_QUEUES=4 lib_setup
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 4'
scand_start "$T/scand.conf"

info=$(ctl --json info)
[ "$(jget "$info" 'r["nics"][0]["state"] + " " + r["nics"][0]["mode"]')" = "up xdp-drv-copy" ] ||
	fail "expected af_xdp in xdp-drv-copy mode: $info"
jget "$info" 'r["nics"][0]["notes"]' | grep -q '^zc: .*Operation not supported' ||
	fail "daemon.info should say why zero-copy failed: $info"
ip -n "$SCAN_NS" link show sc0 | grep -q 'prog/xdp.*name scand_xdp' || fail "scand_xdp not attached"

ctl submit "$TARGETS" -p "$PORTS" -r 20000 --wait -o "$T/results.ndjson" 2>/dev/null >/dev/null ||
	fail "submit --wait"
check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "af_xdp results differ from ground truth"
tel=$(ctl --json telemetry)
[ "$(jget "$tel" 'len(r["nics"][0]["queues"]) == 4 and sum(q["tx_packets"] for q in r["nics"][0]["queues"]) == '"$TOTAL")" = True ] ||
	fail "per-queue tx counters do not add up to $TOTAL: $tel"
[ "$(jget "$tel" 'sum(q["rx_packets"] for q in r["nics"][0]["queues"]) >= '"$TOTAL")" = True ] ||
	fail "replies not counted per queue: $tel"

# host traffic during a scan: ping and a TCP echo to the target's own address
ip netns exec "$TARGET_NS" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 9000)); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(c.recv(100)); c.close()' &
LISTENER_PIDS="${LISTENER_PIDS:-} $!"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-200 -r 5000) || fail submit
wait_state "$job" running
ip netns exec "$SCAN_NS" ping -c 5 -i 0.2 -W 1 198.18.0.2 >"$T/ping" || { cat "$T/ping"; fail "ping failed during the scan"; }
echo=$(ip netns exec "$SCAN_NS" python3 -c '
import socket
c = socket.create_connection(("198.18.0.2", 9000), timeout=3); c.sendall(b"hello-xdp"); print(c.recv(100).decode())')
[ "$echo" = hello-xdp ] || fail "TCP echo through the XDP NIC failed: $echo"
[ "$(jget "$(ctl --json status "$job")" 'r["state"]')" = running ] || fail "scan should still be running"
ctl cancel "$job" >/dev/null
echo "ping and TCP worked during the scan"

scand_stop
ip -n "$SCAN_NS" link show sc0 | grep -q 'prog/xdp' && fail "XDP program still attached after scand stopped"

# a fill ring with little room (test injection): RX frames it cannot take now
# must wait for room, not vanish -- 5080 replies through 1024 frames, exact
rm -rf "$T/state"
SCAND_WRAP="env SCAND_TEST_XDP_FAIL=fill" scand_start "$T/scand.conf"
ctl submit "$TARGETS" -p "1-15,$PORTS" -r 5000 --wait -o "$T/starved.ndjson" >/dev/null 2>&1 ||
	fail "submit with a starved fill ring"
check_results "$T/starved.ndjson" "$T/truth" "$(probes "1-15,$PORTS")" ||
	fail "RX frames were lost when the fill ring had no room"
scand_stop
echo "starved fill ring: no frame lost"
echo PASS
