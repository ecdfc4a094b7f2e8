#!/usr/bin/env bash
# Host safety (issue 14), af_xdp and af_packet: scans from the NIC's own
# address (the default when no source_ip is configured) never take the
# host's own traffic. With the scanner namespace's ephemeral port range
# narrowed to overlap scand's default source ports:
# - jobs asking for source ports that hold a host listener (1-65535, 22-22)
#   or for an unconfigured source_ip are refused (-32602, naming the field);
# - while jobs run (default ports, 40000-40001 and 60000-60001 at once, and
#   a configured extra source_ip) the job ports are reserved in
#   net.ipv4.ip_local_reserved_ports, 100 outgoing host connections succeed,
#   connections from ports between the two jobs' ranges succeed (no min..max
#   merge), and a listener on the scanner's address stays reachable;
# - the reservation is given back when the jobs end, and after kill -9 at
#   the next start; results stay exact.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
PORTS=1-40
make_truth 30 5,10,20,30,40 "$T/truth"
TOTAL=$(probes "$PORTS")
sns() { ip netns exec "$SCAN_NS" "$@"; }
sns sysctl -qw net.ipv4.ip_local_port_range="61000 61199"
reserved() { sns cat /proc/sys/net/ipv4/ip_local_reserved_ports; }
BEFORE=$(reserved)

# host services: "sshd" on the scanner's own address, a server on the target
# for the host's outgoing connections (it closes first: no TIME_WAIT here)
serve() { # NS ADDR PORT
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(256); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()' "$2" "$3" >"$T/serve-$3.out" 2>&1 &
	LISTENER_PIDS="${LISTENER_PIDS:-} $!"
	for _ in $(seq 50); do grep -q ready "$T/serve-$3.out" && return 0; sleep 0.1; done
	fail "server on $2:$3 did not start"
}
serve "$SCAN_NS" 198.18.0.1 22
serve "$TARGET_NS" 198.18.0.2 7000

connections() { # N [FIRST_LOCAL_PORT]: N connections from the scanner to 198.18.0.2:7000
	sns python3 - "$@" <<'PY'
import socket, sys
n, first = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
ok = 0
for i in range(n):
    s = socket.socket(); s.settimeout(2)
    try:
        if first:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("198.18.0.1", first + i))
        s.connect(("198.18.0.2", 7000))
        ok += s.makefile().readline() == "hello\n"
    except OSError as e:
        print("connection", i, "failed:", e)
    s.close()
print(f"{ok}/{n} host connections ok")
sys.exit(0 if ok == n else 1)
PY
}
ssh_reachable() {
	ip netns exec "$TARGET_NS" python3 -c '
import socket
s = socket.create_connection(("198.18.0.1", 22), timeout=2)
assert s.makefile().readline() == "hello\n"'
}
refused() { # FIELD SUBSTR ARGS...: submit must fail with -32602 on FIELD
	local field=$1 sub=$2 out; shift 2
	out=$(ctl submit "$TARGETS" -p 80 "$@" 2>&1) && fail "submit $* was accepted"
	echo "$out" | grep -qF "(field: $field)" && echo "$out" | grep -q -- "$sub" ||
		fail "submit $*: want -32602 on $field ($sub), got: $out"
}

for engine in af_xdp af_packet; do
	rm -rf "$T/state"
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$engine"
	sed -i '/^source_ip = /d; /^source_ports = /d; s/^cooldown_s = .*/&\nsource_ips = 198.18.0.100/' "$T/scand.conf"
	scand_start "$T/scand.conf"
	refused source_ports "source port 22 has a listening socket on 198.18.0.1" --source-ports 1-65535
	refused source_ports "source port 22 has a listening socket" --source-ports 22-22
	refused source_ip "198.18.0.2 is not an address configured" --source-ip 198.18.0.2

	a=$(ctl submit "$TARGETS" -p "$PORTS" -r 2000 --seed 5) || fail "default job refused"
	b=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ports 40000-40001) || fail "job on 40000-40001"
	c=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ports 60000-60001) || fail "job on 60000-60001"
	d=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ip 198.18.0.100) || fail "configured source_ips refused"
	for j in "$a" "$b" "$c"; do wait_state "$j" running; done
	r=$(reserved)
	for want in 61000-61063 40000-40001 60000-60001; do
		echo ",$r," | grep -q ",$want," || fail "$engine: $want not reserved while its job runs: '$r'"
	done
	connections 100 || fail "$engine: host connections failed while jobs run"
	connections 20 45000 || fail "$engine: connections from ports between two jobs' ranges failed"
	ssh_reachable || fail "$engine: the listener on the scanner's own address is unreachable"
	echo "$engine: reserved '$r'; 100 + 20 host connections and the :22 listener fine while scanning"
	for j in "$a" "$b" "$c" "$d"; do WAIT_S=60 wait_state "$j" done; done
	[ "$(reserved)" = "$BEFORE" ] || fail "$engine: reservation not given back: '$(reserved)' (was '$BEFORE')"
	ctl results "$a" -o "$T/results.ndjson" || fail results
	check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "$engine: results from the host address differ"

	# kill -9 while reserved: the next start gives the ports back
	k=$(ctl submit "$TARGETS" -p 1-200 -r 1000) || fail submit
	wait_state "$k" running
	echo ",$(reserved)," | grep -q ",61000-61063," || fail "$engine: not reserved"
	kill -9 "$SCAND_PID"; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
	echo ",$(reserved)," | grep -q ",61000-61063," || fail "$engine: the crash should leave the reservation"
	rm -rf "$T/state/jobs/$k" # no resume: nothing should stay reserved
	scand_start "$T/scand.conf"
	[ "$(reserved)" = "$BEFORE" ] || fail "$engine: not given back after a crash: '$(reserved)'"
	scand_stop
	echo "$engine: reservation given back at job end and after kill -9"
done
echo PASS
