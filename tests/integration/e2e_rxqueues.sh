#!/usr/bin/env bash
# Every RX queue is covered (issue 27): on a veth with 4 RX queues the
# target's replies land on all four, and scand with fewer workers still
# finds every one of them.
# 1. af_xdp and af_packet with queues = 1 and 2: exact ground truth; for
#    af_xdp the queues beyond the workers have RX-only sockets, and replies
#    did arrive on them (telemetry per queue), none unserved.
# 2. dpdk: net_af_packet with qpairs = 2 (a fanout group) is exact; net_af_xdp
#    covering 1 of the 4 queues is refused with the channel count and the fix
#    (DPDK 22.11's net_af_xdp takes no queue_count > 1 on veth, which has no
#    combined channels: the covering case cannot run here).
# 3. A NIC with more RX channels than AF_XDP can cover (80 > 64) is refused
#    at open, naming the count and `ethtool -L`.
# 4. Channels added while a job runs (ethtool -L 4 -> 8): replies on the new
#    queues are counted as unserved, and the job says it is not complete
#    instead of ending as a plain done. Once the job has ended scand re-opens
#    the NIC with a socket on each of the 8 queues, and the next job is exact.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
TESTBED_QUEUES=8 lib_setup
ip netns exec "$SCAN_NS" ethtool -L sc0 rx 4 tx 4 || fail "ethtool -L sc0"
ip netns exec "$TARGET_NS" ethtool -L tg0 rx 4 tx 4 || fail "ethtool -L tg0"
PORTS=22,80,443,8080,8443,9000,9001,9002,9003,9004
make_truth 60 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
GW=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

# refused NIC_SECTION PATTERN WHAT: scand refuses the NIC at open, and its
# error matches PATTERN (the counts and the fix)
refused() {
	rm -rf "$T/state"
	scand_config "$T/scand.conf" "$1"
	scand_start "$T/scand.conf"
	local info
	info=$(ctl --json info)
	[ "$(jget "$info" 'r["nics"][0]["state"]')" = failed ] || fail "$3 was not refused: $info"
	jget "$info" 'r["nics"][0]["error"]' | grep -q "$2" || fail "$3: the refusal does not name the counts and the fix: $info"
	scand_stop
}

scan_exact() { # LABEL: one job over TARGETS x PORTS, exact
	timeout 120 "$SCANCTL" --socket "$T/control.sock" submit "$TARGETS" -p "$PORTS" -r 20000 --wait \
		-o "$T/$1.ndjson" >/dev/null 2>&1 ||
		fail "$1: submit --wait"
	check_results "$T/$1.ndjson" "$T/truth" "$TOTAL" || fail "$1: results differ from ground truth"
}

for engine in af_xdp af_packet; do
	for q in 1 2; do
		rm -rf "$T/state"
		scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = %s\nqueues = %s\n' $engine $q)"
		scand_start "$T/scand.conf"
		scan_exact "$engine-$q"
		tel=$(ctl --json telemetry)
		if [ $engine = af_xdp ]; then
			[ "$(jget "$tel" '[q["rx_only"] for q in r["nics"][0]["queues"]] == [i >= '$q' for i in range(4)]')" = True ] ||
				fail "af_xdp queues=$q: expected 4 queues, RX-only from $q: $tel"
			[ "$(jget "$tel" 'sum(q["rx_packets"] for q in r["nics"][0]["queues"] if q["rx_only"]) > 0')" = True ] ||
				fail "af_xdp queues=$q: no reply arrived on an RX-only queue (the test would prove nothing): $tel"
			[ "$(jget "$tel" 'r["nics"][0]["rx_unserved"]')" = 0 ] || fail "replies unserved: $tel"
		fi
		scand_stop
		echo "$engine queues=$q: exact"
	done
done

# more RX channels than AF_XDP can cover: refused at open
ip link add big0 netns "$SCAN_NS" numtxqueues 80 numrxqueues 80 type veth peer name big1 netns "$TARGET_NS" ||
	fail "cannot create an 80-queue veth"
ip -n "$SCAN_NS" link set big0 up && ip -n "$TARGET_NS" link set big1 up
refused $'[nic "big0"]\nengine = af_xdp\nqueues = 1' \
	'big0 has 80 RX channels but AF_XDP can cover at most 64.*ethtool -L big0 combined 64' "an 80-channel NIC"
echo "80 channels: refused with the fix"

# channels added while a job runs: counted as unserved, the job is not
# complete; once it has ended, scand re-opens the NIC by itself with a socket
# on every queue, and the next job is exact
rm -rf "$T/state"
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'
scand_start "$T/scand.conf"
ctl submit "$TARGETS" -p "$PORTS" -r 700 --wait -o "$T/grown.ndjson" >/dev/null 2>"$T/grown.err" &
sub=$!
for _ in $(seq 100); do
	job=$(ctl --json jobs | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"]; print(j[-1]["job_id"] if j else "")')
	[ -n "$job" ] && [ "$(jget "$(ctl --json status "$job")" 'r["state"] == "running" and r["sent"] > 0')" = True ] && break
	sleep 0.05
done
ip netns exec "$SCAN_NS" ethtool -L sc0 rx 8 tx 8 || fail "ethtool -L sc0 8"
ip netns exec "$TARGET_NS" ethtool -L tg0 rx 8 tx 8 || fail "ethtool -L tg0 8"
# counted while the job runs (the re-open after it starts the counter again)
for _ in $(seq 100); do
	[ "$(jget "$(ctl --json telemetry)" 'r["nics"][0]["rx_unserved"] > 0')" = True ] && break
	sleep 0.05
done
[ "$(jget "$(ctl --json telemetry)" 'r["nics"][0]["rx_unserved"] > 0')" = True ] || fail "unserved replies not counted"
wait $sub && fail "a job that lost replies ended as plain done: $(cat "$T/grown.err")"
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["state"] == "done" and r["complete"] is False and r["lost"]["nic"] > 0')" = True ] ||
	fail "expected done with complete false and NIC losses: $st"
grep -q "not complete" "$T/grown.err" || fail "scanctl did not say the job is not complete: $(cat "$T/grown.err")"
grep -q "sc0: its RX channels changed.*re-opened when no job runs on it" "$T/scand.log" ||
	fail "scand did not say that sc0 waits for its job to be re-opened"
echo "channels added at run time: $(jget "$st" 'r["lost"]') -> complete: false"
for _ in $(seq 100); do
	tel=$(ctl --json telemetry)
	[ "$(jget "$tel" 'len(r["nics"][0]["queues"])')" = 8 ] && break
	sleep 0.1
done
[ "$(jget "$tel" '[q["rx_only"] for q in r["nics"][0]["queues"]] == [i >= 1 for i in range(8)]')" = True ] ||
	fail "sc0 was not re-opened with a socket on each of its 8 RX queues: $tel"
grep -q "sc0: its RX channels changed (ethtool -L): 4 RX queue(s) had a socket, it has 8 now; re-opening it" "$T/scand.log" ||
	fail "the re-open is not logged with the counts"
scan_exact regrown
tel=$(ctl --json telemetry)
[ "$(jget "$tel" 'r["nics"][0]["rx_unserved"]')" = 0 ] || fail "replies unserved after the re-open: $tel"
[ "$(jget "$tel" 'sum(q["rx_packets"] for q in r["nics"][0]["queues"][4:]) > 0')" = True ] ||
	fail "no reply arrived on the new queues 4-7 (the test would prove nothing): $tel"
echo "re-opened on 8 RX queues once the job ended: exact"
scand_stop

# dpdk (last: net_af_packet resets sc0's MAC, which flushes its neighbours)
ip netns exec "$TARGET_NS" ethtool -L tg0 rx 4 tx 4 || fail "ethtool -L tg0 4"
ip netns exec "$SCAN_NS" ethtool -L sc0 rx 4 tx 4 || fail "ethtool -L sc0 4"
if "$SCAND" --version | grep -q dpdk; then
	dpdk_nic() { # SPEC QUEUES
		printf '[dpdk]\neal_args = --no-huge --in-memory --no-pci -m 256\n[nic "sc0"]\nengine = dpdk\ndpdk_port = %s\nqueues = %s\ngateway_mac = %s\n' "$1" "$2" "$GW"
	}
	rm -rf "$T/state"
	scand_config "$T/scand.conf" "$(dpdk_nic net_af_packet0,iface=sc0,qpairs=2 2)"
	scand_start "$T/scand.conf"
	scan_exact dpdk-af_packet
	scand_stop
	echo "dpdk net_af_packet qpairs=2: exact"

	refused "$(dpdk_nic net_af_xdp0,iface=sc0 1)" \
		'sc0 has 4 RX queues .* set queue_count=4 in dpdk_port and queues = 4, or ethtool -L sc0 combined 1' \
		"net_af_xdp on 1 of 4 queues"
	rm -rf "$T/state"
	echo "dpdk net_af_xdp: refused on 1 of 4 queues"
else
	echo "dpdk part not run: scand built without DPDK"
fi

echo PASS
