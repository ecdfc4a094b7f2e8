#!/usr/bin/env bash
# Runs the bad-input catalogue (bad_input.py, > 90 cases) against a live scand
# while a job runs; every case must get the exact JSON-RPC error and the daemon
# must keep answering and scanning. Some cases come from another member of the
# socket group (a throwaway user) or go to the read-only telemetry socket.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
# another member of the socket group, for the cases about someone else's job
U=scand-b$$
G=scand-bg$$
groupadd "$G" || fail groupadd
useradd -M -N -s /usr/sbin/nologin "$U" || fail useradd
trap 'userdel "$U" 2>/dev/null; groupdel "$G" 2>/dev/null; lib_cleanup' EXIT
chmod 755 "$T"
ip netns exec "$SCAN_NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40999"
DAEMON_EXTRA=$(printf 'socket_group = %s\ntelemetry_socket = %s/telemetry.sock\ntelemetry_group = %s' "$G" "$T" "$G") \
	scand_config "$T/scand.conf"
sed -i 's/^cooldown_s = .*/&\nsource_ips = 198.18.0.1/' "$T/scand.conf" # the scanner's own address
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-200 -r 2000) || fail submit
wait_state "$job" running
python3 "$(dirname "$0")/bad_input.py" "$T/control.sock" "$job" "$T/telemetry.sock" "$(id -u "$U")" \
	"$(getent group "$G" | cut -d: -f3)" || fail "bad-input catalogue"
ctl cancel "$job" >/dev/null
ctl cancel "$job" >/dev/null || fail "cancel twice should succeed"
echo PASS
