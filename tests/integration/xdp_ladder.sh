#!/usr/bin/env bash
# AF_XDP mode ladder under injected failures (SCAND_TEST_XDP_FAIL): a failure
# at each step of driver mode falls through to skb mode, a failure in every
# mode marks the NIC failed with the reason per mode while the daemon keeps
# serving, nothing stays attached, and scand exits 0 (under ASan: no leak,
# no crash — scripts/test runs this test in the ASan build too). Also: a
# memlock limit too low for the UMEM, without CAP_IPC_LOCK, gives the clear
# error instead of ENOBUFS.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = af_xdp\nqueues = 1'

nic_field() { jget "$(ctl --json info)" "r[\"nics\"][0][\"$1\"]"; }
attached() { ip -n "$SCAN_NS" link show sc0 | head -1 | grep -o ' xdp[a-z]* ' | tr -d ' '; }
run_case() { # inject expect_state expect_mode notes_substring
	SCAND_WRAP="env SCAND_TEST_XDP_FAIL=$1" scand_start "$T/scand.conf"
	local st=$(nic_field state) mode=$(nic_field mode) notes=$(nic_field notes) err=$(nic_field error)
	[ "$st" = "$2" ] || fail "inject $1: state $st, expected $2 ($err)"
	[ "$2" = failed ] || [ "$mode" = "$3" ] || fail "inject $1: mode $mode, expected $3"
	echo "$notes $err" | grep -q "$4" || fail "inject $1: reason lacks \"$4\": $notes $err"
	if [ "$2" = up ]; then
		[ "$(attached)" = xdpgeneric ] || fail "inject $1: expected one skb-mode program, got $(attached)"
	else
		[ -z "$(attached)" ] || fail "inject $1: a program stayed attached after every mode failed"
		[ "$(jget "$(ctl --json heartbeat)" 'r["ok"]')" = True ] || fail "daemon not serving"
	fi
	scand_stop
	[ "$SCAND_EXIT" = 0 ] || fail "inject $1: scand exited $SCAND_EXIT (leak or crash?)"
	[ -z "$(attached)" ] || fail "inject $1: program left attached after stop"
	echo "inject $1: $st ${mode:-} ok"
}

for step in open attach umem socket xskmap; do
	run_case "$step:drv" up xdp-skb-copy "drv: "
done
run_case "socket" failed "" "skb: AF_XDP socket on queue 0: Input/output error"
run_case "area" failed "" "cannot map 4096 KiB for the UMEM" # under ASan: no use after free
run_case "attach:drv,umem:skb" failed "" "drv: XDP attach in native mode"

# memlock: 64 KiB limit and no CAP_IPC_LOCK -> clear error naming the fix
SCAND_WRAP="prlimit --memlock=65536:65536 setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock" \
	scand_start "$T/scand.conf"
err=$(nic_field error)
echo "$err" | grep -q 'RLIMIT_MEMLOCK is 64 KiB but the AF_XDP UMEM needs .* LimitMEMLOCK=infinity' ||
	fail "memlock error unclear: $err"
[ -z "$(attached)" ] || fail "program attached although memlock check failed"
scand_stop
echo "memlock: $err"
echo PASS
