#!/usr/bin/env bash
# The dpdk engine with vdevs (no hugepages, no PCI): EAL args
# "--no-huge --in-memory --no-pci -m 256" from [dpdk] eal_args.
# 1. net_null0: a 100k-probe job; the port's TX count equals the job's probes.
# 2. net_af_packet0,iface=sc0 on the netns testbed: exact ground truth.
# 3. In the same daemon, bad ports are marked failed with the reason in
#    daemon.info (wrong PCI address, unknown vdev, vdev on a missing interface,
#    the interface carrying the default route), the others keep working.
# 4. EAL that cannot start (hugepages asked for, none reserved): dpdk NICs
#    failed with the hugepage reason and the fix; a null NIC still scans.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
"$SCAND" --version | grep -q dpdk || { echo "SKIP: scand built without DPDK (apt-get install libdpdk-dev)"; exit 77; }
lib_setup
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 || fail "cannot add sc1"
ip -n "$SCAN_NS" route add default via 198.18.101.2 dev sc1 || fail "cannot add the default route"

# A DPDK port has no kernel neighbour table (and net_af_packet's start resets
# sc0's MAC, which flushes sc0's neighbours): name the next hop, as on EC2.
GW=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

nic_field() { # INFO NIC FIELD
	jget "$1" "[n for n in r['nics'] if n['name'] == '$2'][0]['$3']"
}

DAEMON_EXTRA= scand_config "$T/scand.conf" "$(cat <<NICS
[dpdk]
eal_args = --no-huge --in-memory --no-pci -m 256
[nic "null0"]
engine = dpdk
dpdk_port = net_null0
gateway_mac = 02:00:00:00:00:02
[nic "sc0"]
engine = dpdk
dpdk_port = net_af_packet0,iface=sc0
gateway_mac = $GW
[nic "badpci"]
engine = dpdk
dpdk_port = 0000:00:1f.7
[nic "bogus"]
engine = dpdk
dpdk_port = net_bogus0
[nic "noif"]
engine = dpdk
dpdk_port = net_af_packet1,iface=nosuch0
[nic "ctl"]
engine = dpdk
dpdk_port = net_af_packet2,iface=sc1
NICS
)"
scand_start "$T/scand.conf"
info=$(ctl --json info)
for n in null0 sc0; do
	[ "$(nic_field "$info" $n state)" = up ] || fail "$n not up: $info"
	nic_field "$info" $n mode | grep -q '^dpdk-net_' || fail "$n mode: $(nic_field "$info" $n mode)"
done
echo "sc0: $(nic_field "$info" sc0 mode): $(nic_field "$info" sc0 notes)"
nic_field "$info" sc0 notes | grep -q '1024 RX / 1024 TX descriptors, checksums in software' || fail "sc0 notes: $info"
expect_failed() { # NIC TEXT
	[ "$(nic_field "$info" "$1" state)" = failed ] || fail "$1 is not failed: $info"
	nic_field "$info" "$1" error | grep -qF "$2" || fail "$1: error does not say '$2': $(nic_field "$info" "$1" error)"
	echo "$1 failed: $(nic_field "$info" "$1" error)"
}
expect_failed badpci "no PCI device 0000:00:1f.7 on this host (lspci -D lists the addresses)"
expect_failed bogus 'unknown vdev driver "net_bogus" in dpdk_port net_bogus0; vdev PMDs installed: net_af_packet, net_af_xdp'
expect_failed noif "cannot create vdev net_af_packet1,iface=nosuch0: there is no interface nosuch0 in scand's network namespace"
expect_failed ctl "sc1 carries the default route: giving it to DPDK would cut the host off"

# 1. generation + TX into net_null: counts match
job=$(ctl submit 198.18.1.0/24 -p 1-400 -i null0 -r 200000 --cooldown 0) || fail "submit to null0 failed"
wait_state "$job" done
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["sent"] == r["total"] == 102400')" = True ] || fail "null0 job sent/total: $st"
tel=$(ctl --json telemetry)
tx=$(jget "$tel" "[n for n in r['nics'] if n['name'] == 'null0'][0]['tx_packets']")
[ "$tx" = 102400 ] || fail "null0 port sent $tx packets for 102400 probes"
echo "net_null0: 102400 probes, port TX $tx"

# 2. exact ground truth through net_af_packet on sc0
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -i sc0 -r 20000 --seed 11 --wait -o "$T/results.ndjson" \
	2>"$T/progress" || fail "submit --wait on sc0 failed: $(cat "$T/progress")"
check_results "$T/results.ndjson" "$T/truth" "$(probes "$PORTS")" || fail "dpdk results differ from ground truth"
tel=$(ctl --json telemetry)
rx=$(jget "$tel" "[n for n in r['nics'] if n['name'] == 'sc0'][0]['rx_packets']")
[ "$rx" -ge "$(probes "$PORTS")" ] || fail "sc0 received $rx packets for $(probes "$PORTS") replies"
echo "net_af_packet0 on sc0: exact results, rx $rx"

# a later job reuses the started port (no re-probe between jobs)
ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -i sc0 -r 20000 --seed 12 --wait -o "$T/results2.ndjson" \
	>/dev/null 2>&1 || fail "second job on sc0 failed"
check_results "$T/results2.ndjson" "$T/truth" "$(probes "$PORTS")" || fail "second dpdk job differs from ground truth"
[ "$(grep -c 'sc0: dpdk engine up' "$T/scand.log")" = 1 ] || fail "sc0 port was opened more than once"
scand_stop
[ "$SCAND_EXIT" -eq 0 ] || fail "scand exited $SCAND_EXIT on SIGTERM"
grep -q 'ERROR\|AddressSanitizer' "$T/scand.log" && fail "sanitizer report in the log"

# 4. EAL cannot start: hugepages needed, none reserved here
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo 0)" = 0 ]; then
	rm -rf "$T/state"
	scand_config "$T/scand.conf" $'[dpdk]\neal_args = --in-memory -m 128 --no-pci\n[nic "sc0"]\nengine = dpdk\ndpdk_port = net_af_packet0,iface=sc0\ngateway_mac = '"$GW"$'\n[nic "n0"]\nengine = null\nsource_ip = 198.18.0.100\ngateway_mac = 02:00:00:00:00:02'
	scand_start "$T/scand.conf"
	info=$(ctl --json info)
	expect_failed sc0 "DPDK EAL: no hugepages are reserved: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (or add --no-huge"
	[ "$(nic_field "$info" n0 state)" = up ] || fail "null NIC not up next to a failed EAL: $info"
	job=$(ctl submit 198.18.1.0/24 -p 80 -i n0 --cooldown 0) || fail "submit on the null NIC failed"
	wait_state "$job" done
	scand_stop
	[ "$SCAND_EXIT" -eq 0 ] || fail "scand exited $SCAND_EXIT after a failed EAL"
else
	echo "note: this host has 2 MiB hugepages reserved; the no-hugepage EAL case is covered by test_dpdk_diag only"
fi
echo "PASS"
