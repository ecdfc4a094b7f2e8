#!/usr/bin/env bash
# Host safety (issues 14 and 24), af_xdp and af_packet: scans from the NIC's
# own address (the default when no source_ip is configured) never take the
# host's own traffic. The scanner namespace's ephemeral range is 40000-40999
# (the trial of issue 24) and its ip_local_reserved_ports already holds a
# list longer than a page (3000 ports):
# - jobs asking for source ports that hold a host listener (1-65535, 22-22),
#   or, for a udp job, a bound UDP socket,
#   that overlap the ephemeral range (40000-40999, 39990-40009) or for an
#   unconfigured source_ip are refused (-32602, naming the field, the range
#   and a free range to use); a source address the host does not own may
#   use the ephemeral range (no reply of the host's goes there);
# - while jobs run (default ports, 42000-42001 and 60000-60001 at once, and
#   a configured extra source_ip) the reservation is exactly the old list
#   plus the jobs' ports (the long list written intact), 100 outgoing host
#   connections succeed, connections from ports between the two jobs' ranges
#   succeed (no min..max merge), IPv6 connections from a v4-only job's own
#   source ports succeed (the filter holds only the job's families), and a
#   listener on the scanner's address stays reachable;
# - af_xdp under strace: the ports are reserved before the first filter
#   update and released only after the last filter delete;
# - the reservation is given back when the jobs end, and after kill -9 at
#   the next start; results stay exact.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
testbed_ipv6
PORTS=1-40
make_truth 30 5,10,20,30,40 "$T/truth"
TOTAL=$(probes "$PORTS")
sns() { ip netns exec "$SCAN_NS" "$@"; }
sns sysctl -qw net.ipv4.ip_local_port_range="40000 40999"
RESERVED=/proc/sys/net/ipv4/ip_local_reserved_ports
reserved() { sns cat "$RESERVED"; }
# the old list, longer than the page the kernel takes per write()
LONG=$(python3 -c 'print(",".join(str(p) for p in range(20000, 26000, 2)))')
sns python3 -c '
import os, sys
d, off = (sys.argv[2] + "\n").encode(), 0
fd = os.open(sys.argv[1], os.O_WRONLY)
while off < len(d):
    off += os.write(fd, d[off:])' "$RESERVED" "$LONG"
BEFORE=$(reserved)
[ "$BEFORE" = "$LONG" ] || fail "setup: the long reserved list did not stick (${#BEFORE} bytes)"

# reserved_is [RANGE...]: the sysctl holds exactly the old list plus RANGEs
reserved_is() {
	python3 - "$(reserved)" "$BEFORE" "$@" <<'PY'
import sys
def ports(s):
    out = set()
    for t in s.replace("\n", ",").split(","):
        if t.strip() and t.strip() != "0":
            lo, _, hi = t.strip().partition("-")
            out |= set(range(int(lo), int(hi or lo) + 1))
    return out
got, want = ports(sys.argv[1]), ports(sys.argv[2])
for r in sys.argv[3:]:
    want |= ports(r)
if got != want:
    print(f"reserved differs: missing {sorted(want - got)[:8]}, extra {sorted(got - want)[:8]}")
    sys.exit(1)
PY
}

# host services: "sshd" on the scanner's own address, a server on the target
# (IPv4 and IPv6) for the host's outgoing connections (it closes first: no
# TIME_WAIT here)
serve() { # NS ADDR PORT
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(256); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()' "$2" "$3" >"$T/serve-$2-$3.out" 2>&1 &
	LISTENER_PIDS="${LISTENER_PIDS:-} $!"
	for _ in $(seq 50); do grep -q ready "$T/serve-$2-$3.out" && return 0; sleep 0.1; done
	fail "server on $2:$3 did not start"
}
serve "$SCAN_NS" 198.18.0.1 22
serve "$TARGET_NS" 198.18.0.2 7000
serve "$TARGET_NS" 2001:db8::2 7000

# connections N [FIRST_LOCAL_PORT [FAMILY]]: N connections from the scanner
# to the target's server, from FIRST.. when given
connections() {
	sns python3 - "$@" <<'PY'
import socket, sys
n, first = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
v6 = len(sys.argv) > 3 and sys.argv[3] == "6"
src, dst = ("2001:db8::1", "2001:db8::2") if v6 else ("198.18.0.1", "198.18.0.2")
ok = 0
for i in range(n):
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET); s.settimeout(2)
    try:
        if first:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src, first + i))
        s.connect((dst, 7000))
        ok += s.makefile().readline() == "hello\n"
    except OSError as e:
        print("connection", i, "failed:", e)
    s.close()
print(f"{ok}/{n} host connections {'IPv6' if v6 else 'IPv4'} ok")
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
	echo "$out" | grep -qF "(field: $field)" && echo "$out" | grep -qF -- "$sub" ||
		fail "submit $*: want -32602 on $field ($sub), got: $out"
}

# order_checked LOG: in the syscalls of a scand that ran one job from a host
# address (strace -y), the first write to the sysctl (the reservation) comes
# before the first update of the filter map (the map scand deletes keys
# from), and the last filter delete before the last sysctl write (the release)
order_checked() {
	python3 - "$1" <<'PY'
import re, sys
ev = []
for line in open(sys.argv[1]):
    if "ip_local_reserved_ports>" in line and re.search(r"\bwrite\(", line):
        ev.append(("R", None))
    m = re.search(r"bpf\(BPF_MAP_(UPDATE|DELETE)_ELEM, \{map_fd=(\d+)", line)
    if m:
        ev.append((m.group(1)[0], m.group(2)))
fds = {fd for k, fd in ev if k == "D"}
if not fds:
    print("no filter delete seen"); sys.exit(1)
ev = [k for k, fd in ev if k == "R" or fd in fds]
first_r, first_u = ev.index("R"), ev.index("U")
last_r = len(ev) - 1 - ev[::-1].index("R")
last_d = len(ev) - 1 - ev[::-1].index("D")
print(f"{ev.count('R')} sysctl writes, {ev.count('U')} filter updates, {ev.count('D')} deletes;",
      f"first reserve #{first_r}, first update #{first_u}; last delete #{last_d}, last release #{last_r}")
sys.exit(0 if first_r < first_u and last_d < last_r else 1)
PY
}

for engine in af_xdp af_packet; do
	rm -rf "$T/state"
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$engine"
	sed -i '/^source_ip = /d; /^source_ports = /d; s/^cooldown_s = .*/&\nsource_ips = 198.18.0.100/' "$T/scand.conf"
	if [ "$engine" = af_xdp ]; then # one job from the host address, under strace
		SCAND_WRAP="strace -f --seccomp-bpf -qq -y -e trace=write,bpf -o $T/strace.log" scand_start "$T/scand.conf"
		TRACEE=$(pgrep -P "$SCAND_PID" scand) # strace would leave it running if killed itself
		trap 'kill -9 $TRACEE 2>/dev/null; lib_cleanup' EXIT
		o=$(ctl submit 198.18.1.0/28 -p 1-20 -r 1000 --source-ports 42000-42001) || fail "af_xdp: submit under strace"
		WAIT_S=30 wait_state "$o" done
		kill -TERM "$TRACEE" # strace follows its tracee out
		scand_stop
		trap lib_cleanup EXIT
		order_checked "$T/strace.log" || fail "af_xdp: ports not reserved before the filter, or released before it was gone"
		reserved_is || fail "af_xdp: reservation not given back (under strace)"
		rm -rf "$T/state"
	fi
	scand_start "$T/scand.conf"
	refused source_ports "source port 22 has a listening socket on 198.18.0.1" --source-ports 1-65535
	refused source_ports "source port 22 has a listening socket" --source-ports 22-22
	# a udp job and a bound UDP socket of the host (a DNS cache, say) on one of its ports
	ip netns exec "$SCAN_NS" python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("198.18.0.1",42010)); time.sleep(60)' &
	udp_pid=$!
	sleep 0.3
	refused source_ports "source port 42010 has a bound UDP socket on 198.18.0.1" --probe udp --probe-args text:hi --source-ports 42000-42063
	kill $udp_pid
	# an icmp_echo job uses no port: neither range nor listener matters to it
	o=$(ctl submit 198.18.1.0/28 --probe icmp_echo --source-ports 40000-40063 -r 10) ||
		fail "an icmp_echo job from the host address was refused for its (unused) source ports"
	ctl cancel "$o" >/dev/null
	refused source_ip "198.18.0.2 is not an address configured" --source-ip 198.18.0.2
	refused source_ports "source_ports 40000-40999 overlap the host's ephemeral port range 40000-40999 (net.ipv4.ip_local_port_range)" \
		--source-ports 40000-40999
	refused source_ports "the job sends from the host's address 198.18.0.1, so it would take their replies: pick source_ports outside 40000-40999, e.g. 41000-41019" \
		--source-ports 39990-40009
	e=$(ctl submit 198.18.1.1 -p 80 --source-ip 198.18.0.100 --source-ports 40000-40999) ||
		fail "$engine: a source address the host does not own was refused the ephemeral range"
	WAIT_S=30 wait_state "$e" done
	reserved_is || fail "$engine: a job from an address the host does not own reserved ports"

	a=$(ctl submit "$TARGETS" -p "$PORTS" -r 2000 --seed 5) || fail "default job refused"
	b=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ports 42000-42001) || fail "job on 42000-42001"
	c=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ports 60000-60001) || fail "job on 60000-60001"
	d=$(ctl submit 198.18.1.0/24 -p 1-50 -r 500 --source-ip 198.18.0.100) || fail "configured source_ips refused"
	for j in "$a" "$b" "$c"; do wait_state "$j" running; done
	reserved_is 61000-61063 42000-42001 60000-60001 || fail "$engine: reservation while jobs run"
	connections 100 || fail "$engine: host connections failed while jobs run"
	connections 20 45000 || fail "$engine: connections from ports between two jobs' ranges failed"
	connections 2 42000 6 || fail "$engine: IPv6 connections from a v4-only job's source ports were taken"
	ssh_reachable || fail "$engine: the listener on the scanner's own address is unreachable"
	echo "$engine: reserved = old ${#BEFORE}-byte list + the jobs' ports; 100 + 20 IPv4, 2 IPv6 host connections (from job ports) and the :22 listener fine while scanning"
	for j in "$a" "$b" "$c" "$d"; do WAIT_S=60 wait_state "$j" done; done
	reserved_is || fail "$engine: reservation not given back"
	ctl results "$a" -o "$T/results.ndjson" || fail results
	check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "$engine: results from the host address differ"

	# kill -9 while reserved: the next start gives the ports back
	k=$(ctl submit "$TARGETS" -p 1-200 -r 1000) || fail submit
	wait_state "$k" running
	reserved_is 61000-61063 || fail "$engine: not reserved"
	kill -9 "$SCAND_PID"; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
	reserved_is 61000-61063 || fail "$engine: the crash should leave the reservation"
	rm -rf "$T/state/jobs/$k" # no resume: nothing should stay reserved
	scand_start "$T/scand.conf"
	reserved_is || fail "$engine: not given back after a crash: '$(reserved | cut -c1-80)...'"
	scand_stop
	echo "$engine: reservation given back at job end and after kill -9"
done
echo PASS
