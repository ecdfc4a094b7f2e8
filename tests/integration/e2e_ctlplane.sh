#!/usr/bin/env bash
# The host's control plane, found on real kernel devices in the scanner
# namespace (issue 24), by the one check --prepare, the af_xdp engine and the
# dpdk engine share:
# - cp0 is a port of bridge br0, which carries the default route: --prepare
#   --dry-run refuses cp0 as an af_xdp NIC, and scand leaves it failed for
#   af_xdp and for dpdk (net_af_packet on it), each naming br0 and the fix;
#   control_plane_ok = true lets af_xdp take it;
# - an sshd on port 2222 (its own config and host key, started here) with a
#   session from the peer on sp0: sp0 is refused the same way, the port found
#   from the sockets sshd's process owns -- a session on port 22 with no sshd
#   behind it (a decoy listener) does not count.
# Bonds and VLANs: this machine has neither the bonding nor the 8021q module
# ("Unknown device type"), so they are tested on a fake sysfs tree
# (tests/unit/test_prepare_nic.c, test_control_plane_stacked); the code
# follows the same master/upper_* links for all three.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
lib_setup
sns() { ip netns exec "$SCAN_NS" "$@"; }
tns() { ip netns exec "$TARGET_NS" "$@"; }
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; lib_cleanup' EXIT
ip netns exec "$SCAN_NS" ip link add br0 type bridge || { echo "SKIP: no bridge support"; exit 77; }
# cp0 (a bridge port) and sp0 (plain), each a veth to the target namespace
ip link add cp0 netns "$SCAN_NS" type veth peer name cq0 netns "$TARGET_NS" || fail veth
ip link add sp0 netns "$SCAN_NS" type veth peer name sq0 netns "$TARGET_NS" || fail veth
sns ip link set cp0 master br0
sns ip addr add 198.18.20.1/24 dev br0
sns ip addr add 198.18.21.1/24 dev sp0
tns ip addr add 198.18.20.2/24 dev cq0
tns ip addr add 198.18.21.2/24 dev sq0
for d in br0 cp0 sp0; do sns ip link set "$d" up; done
for d in cq0 sq0; do tns ip link set "$d" up; done
sns ip route add default via 198.18.20.2 dev br0 || fail "default route"
DPDK=false
"$SCAND" --version | grep -q dpdk && DPDK=true

# conf FILE NIC_SECTIONS...: a config whose scanning NIC is sc0 (af_packet)
conf() {
	local f=$1; shift
	scand_config "$f" "$(printf '[nic "sc0"]\nengine = af_packet\n%s\n' "$*")"
	! $DPDK || printf '[dpdk]\neal_args = --no-huge --in-memory --no-pci -m 256\n' >>"$f"
}
prep() { sns "$SCAND" --prepare --dry-run --config "$1" 2>&1; }
nic_error() { # NIC: daemon.info's error for it ("up" when up)
	jget "$(ctl --json info)" "[n['error'] if n['state'] != 'up' else 'up' for n in r['nics'] if n['name'] == '$1'][0]"
}

# 1. a bridge port; the bridge carries the default route
XDP_FIX='use another NIC or set control_plane_ok = true in [nic "cp0"]'
conf "$T/br.conf" $'[nic "cp0"]\nengine = af_xdp'
out=$(prep "$T/br.conf") && fail "--prepare accepted cp0: $out"
echo "$out" | grep -qF "cp0: error: cp0 carries the default route through br0 (a bridge over cp0): attaching XDP" &&
	echo "$out" | grep -qF "$XDP_FIX" || fail "--prepare for cp0: $out"
echo "--prepare: $(echo "$out" | grep error)"
sections=$'[nic "cp0"]\nengine = af_xdp'
$DPDK && sections+=$'\n[nic "d0"]\nengine = dpdk\ndpdk_port = net_af_packet0,iface=cp0'
conf "$T/br.conf" "$sections"
scand_start "$T/br.conf"
e=$(nic_error cp0)
case $e in "cp0 carries the default route through br0 (a bridge over cp0): attaching XDP"*"$XDP_FIX") ;;
*) fail "af_xdp on cp0: $e" ;; esac
echo "af_xdp open: $e"
if $DPDK; then
	e=$(nic_error d0)
	[ "$e" = 'cp0 carries the default route through br0 (a bridge over cp0): giving it to DPDK would cut the host off; use another NIC or set control_plane_ok = true in [nic "d0"]' ] ||
		fail "dpdk on cp0: $e"
	echo "dpdk open: $e"
else
	echo "dpdk open: not built with DPDK here, not checked"
fi
scand_stop
conf "$T/br.conf" $'[nic "cp0"]\nengine = af_xdp\ncontrol_plane_ok = true'
scand_start "$T/br.conf"
[ "$(nic_error cp0)" = up ] || fail "control_plane_ok = true: cp0 not up: $(nic_error cp0)"
prep "$T/br.conf" | grep -qF "cp0 carries the default route through br0 (a bridge over cp0); control_plane_ok = true: preparing it anyway" ||
	fail "--prepare with control_plane_ok"
scand_stop
sns ip route del default
echo "control_plane_ok = true: af_xdp takes cp0"

# 2. sshd on 2222 with a session from the peer on sp0
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || fail "host key"
cat >"$T/sshd_config" <<CFG
ListenAddress 198.18.21.1
Port 2222
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM no
CFG
mkdir -p /run/sshd
ip netns exec "$SCAN_NS" "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
PIDS+=($!) # ip netns exec execs: $! is sshd itself
# a decoy on port 22 of the same address: not sshd's
ip netns exec "$SCAN_NS" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.21.1", 22)); s.listen(8); print("ready", flush=True)
c = [s.accept() for _ in range(1)]; time.sleep(3600)' >"$T/decoy.out" 2>&1 &
PIDS+=($!)
# session PORT: an established connection from the peer, held open
session() {
	ip netns exec "$TARGET_NS" python3 -c '
import socket, sys, time
s = socket.create_connection(("198.18.21.1", int(sys.argv[1])), timeout=5)
print("connected", flush=True); time.sleep(3600)' "$1" >"$T/session-$1.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do grep -q connected "$T/session-$1.out" && return 0; sleep 0.1; done
	fail "no session to port $1: $(cat "$T/session-$1.out" "$T/sshd.log")"
}
for _ in $(seq 50); do sns ss -ltn | grep -q '198.18.21.1:2222' && grep -q ready "$T/decoy.out" && break; sleep 0.1; done
session 22
conf "$T/ssh.conf" $'[nic "sp0"]\nengine = af_xdp'
out=$(prep "$T/ssh.conf") || fail "a session on port 22 without sshd made sp0 the control plane: $out"
session 2222
out=$(prep "$T/ssh.conf") && fail "--prepare accepted sp0 with an SSH session through it: $out"
echo "$out" | grep -qF 'sp0 carries the SSH session from 198.18.21.2 on port 2222: attaching XDP' ||
	fail "--prepare for sp0: $out"
echo "--prepare: $(echo "$out" | grep error)"
scand_start "$T/ssh.conf"
e=$(nic_error sp0)
case $e in "sp0 carries the SSH session from 198.18.21.2 on port 2222: attaching XDP"*) ;; *) fail "af_xdp on sp0: $e" ;; esac
echo "af_xdp open: $e"
echo PASS
