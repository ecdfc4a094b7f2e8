# Shared helpers for integration tests: a scand instance with its own config,
# state dir and socket inside the test's scanner namespace, a raw JSON-RPC
# client, ground truth and result checks. Source after testbed.sh.
# Needs: SCAND, SCANCTL, SRCDIR (meson sets them).

# The target hosts tests scan (testbed.sh answers for all of 198.18.1.0/24).
TARGETS=198.18.1.1-198.18.1.254
TARGET_HOSTS=254

# probes PORTS: probes of TARGETS x PORTS ("22,80,8000-8010" -> 254 * 13).
probes() {
	python3 - "$1" "$TARGET_HOSTS" <<'PY'
import sys
n = 0
for part in sys.argv[1].split(","):
    lo, _, hi = part.partition("-")
    n += int(hi or lo) - int(lo) + 1
print(n * int(sys.argv[2]))
PY
}

need_root() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
}

# need_sshd: SSHD is the sshd binary, or the test is skipped.
need_sshd() {
	SSHD=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$SSHD" ] || { echo "SKIP: sshd missing (apt-get install openssh-server; scripts/deps.sh does)"; exit 77; }
}

fail() {
	echo "FAIL: $*" >&2
	[ -n "${T:-}" ] && [ -f "$T/scand.log" ] && { echo "--- scand log (tail)"; tail -30 "$T/scand.log"; } >&2
	exit 1
}

# Test blocklist: the shipped IANA list minus 198.18.0.0/15 and 2001:db8::/32,
# so the testbed ranges are scannable and everything else reserved stays blocked.
test_blocklist() {
	grep -v '^198\.18\.0\.0/15\|^2001:db8::/32' "$SRCDIR/config/blocklist.conf" >"$1"
}

# scand_config FILE [NIC_SECTION_TEXT]: a config in $T with one NIC by default;
# DAEMON_EXTRA adds lines to [daemon].
scand_config() {
	local f=$1 nics=${2:-}
	test_blocklist "$T/blocklist.conf"
	[ -n "$nics" ] || nics=$'[nic "sc0"]\nengine = af_packet'
	cat >"$f" <<CFG
[daemon]
socket = $T/control.sock
state_dir = $T/state
log_level = info
${DAEMON_EXTRA:-}
[rate]
adaptive = false
[scan]
source_ip = 198.18.0.100
source_ports = 40000-40063
cooldown_s = 1
blocklist_file = $T/blocklist.conf
allow = 198.18.0.0/15, 2001:db8::/32
$nics
CFG
}

# scand_start CONFIG: runs scand in the scanner namespace, waits for the socket.
# SCAND_WRAP is put in front of the command (env, setpriv, prlimit ...).
scand_start() {
	SCAND_CFG=$1
	ip netns exec "$SCAN_NS" ${SCAND_WRAP:-} "$SCAND" --config "$SCAND_CFG" >>"$T/scand.log" 2>&1 &
	SCAND_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/control.sock" ] && ctl heartbeat >/dev/null 2>&1 && return 0
		kill -0 "$SCAND_PID" 2>/dev/null || fail "scand exited at start"
		sleep 0.1
	done
	fail "scand did not answer on $T/control.sock within 10 s"
}

# scand_stop: SIGTERM, then SIGKILL after 5 s; SCAND_EXIT holds the exit status.
scand_stop() {
	[ -n "${SCAND_PID:-}" ] || return 0
	kill -TERM "$SCAND_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$SCAND_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$SCAND_PID" 2>/dev/null
	wait "$SCAND_PID" 2>/dev/null
	SCAND_EXIT=$?
	SCAND_PID=
}

ctl() { "$SCANCTL" --socket "$T/control.sock" "$@"; }

# rpc 'JSON': sends one raw line, prints the response line.
rpc() {
	python3 - "$T/control.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
PY
}

# jget 'JSON' EXPR: evaluates a python expression on the parsed JSON (as r).
jget() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# wait_state JOB STATE... [timeout s via WAIT_S]: polls job.status.
wait_state() {
	local job=$1; shift
	local deadline=$((SECONDS + ${WAIT_S:-60})) st
	while [ $SECONDS -lt $deadline ]; do
		st=$(ctl --json status "$job" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)
		for want in "$@"; do [ "$st" = "$want" ] && return 0; done
		sleep 0.1
	done
	fail "job $job did not reach $* (last state: $st)"
}

# make_truth N PORTS FILE: N random distinct (ip, port) pairs over
# 198.18.1.1-254 x PORTS (comma list); starts listeners; FILE gets ip:port lines.
make_truth() {
	local n=$1 ports=$2 file=$3
	python3 - "$n" "$ports" <<'PY' >"$file"
import random, sys
n, ports = int(sys.argv[1]), [int(p) for p in sys.argv[2].split(",")]
pairs = random.sample([(h, p) for h in range(1, 255) for p in ports], n)
for h, p in sorted(pairs):
    print(f"198.18.1.{h}:{p}")
PY
	testbed_listen_file "$file"
}

# check_results RESULTS TRUTH TOTAL: open set == truth exactly; every other
# probe closed; no duplicates; nothing outside 198.18.1.0/24.
check_results() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys, ipaddress
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
truth = {l.strip() for l in open(sys.argv[2]) if l.strip()}
total = int(sys.argv[3])
keys = [f'{r["ip"]}:{r["port"]}' for r in rows]
errs = []
if len(keys) != len(set(keys)): errs.append(f"{len(keys)-len(set(keys))} duplicate rows")
opened = {k for k, r in zip(keys, rows) if r["status"] == "open"}
closed = {k for k, r in zip(keys, rows) if r["status"] == "closed"}
if opened != truth: errs.append(f"open set differs: missing {sorted(truth-opened)[:5]} extra {sorted(opened-truth)[:5]}")
if len(closed) != total - len(truth): errs.append(f"closed {len(closed)} != {total - len(truth)}")
net = ipaddress.ip_network("198.18.1.0/24")
out = [r["ip"] for r in rows if ipaddress.ip_address(r["ip"]) not in net]
if out: errs.append(f"results outside targets: {out[:5]}")
for r in rows[:1]:
    for f in ("ip","port","status","ttl","ts","nic"):
        if f not in r: errs.append(f"row lacks {f}")
print(f"{len(rows)} rows, {len(opened)} open, {len(closed)} closed, truth {len(truth)}")
if errs:
    print("\n".join(errs)); sys.exit(1)
PY
}

# testbed_listen_file FILE: one process in the target namespace listening on
# every ip:port of FILE (IPv4 or [IPv6]:port); killed by lib_cleanup.
testbed_listen_file() {
	ip netns exec "$TARGET_NS" python3 -c '
import socket, sys, time
socks = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line: continue
    host, port = line.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(41, 78, 1)  # SOL_IPV6, IPV6_FREEBIND
    else:
        s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
    s.bind((host, int(port)))
    s.listen(1024)
    socks.append(s)
print("ready", len(socks), flush=True)
while True: time.sleep(3600)
' "$1" >"$T/listener.out" 2>&1 &
	LISTENER_PIDS="${LISTENER_PIDS:-} $!"
	for _ in $(seq 50); do grep -q ready "$T/listener.out" && return 0; sleep 0.1; done
	cat "$T/listener.out"; fail "listeners did not start"
}

# lib_setup: temp dir, testbed, cleanup trap (namespaces removed even on failure).
lib_setup() {
	need_root
	T=$(mktemp -d /tmp/scand-test.XXXXXX)
	trap lib_cleanup EXIT INT TERM
	testbed_up >"$T/testbed.log" 2>&1 || { cat "$T/testbed.log"; fail "testbed_up failed"; }
}

lib_cleanup() {
	scand_stop
	for p in ${LISTENER_PIDS:-}; do kill "$p" 2>/dev/null; done
	testbed_down >/dev/null 2>&1
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}

# zmap_check WANT SUFFIX ZMAP-ARGS... (-M, -p, -r, -c ...): runs zmap on the testbed (198.18.1.0/24
# from sc0) until the addresses it finds, each followed by SUFFIX, are the
# lines of WANT; at most 3 runs. zmap is the reference here, not the subject:
# on the busy 2-vCPU machine it can lose a reply (its pcap_drop) or a probe,
# which says nothing about scand. Fails naming the difference of the last run.
zmap_check() {
	local want=$1 suffix=$2 run gw
	shift 2
	gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
	: >"$T/zmap.empty"
	for run in 1 2 3; do
		ip netns exec "$SCAN_NS" zmap -q -i sc0 -S 198.18.0.100 -G "$gw" -b "$T/zmap.empty" \
			-O csv -f saddr --output-filter="success = 1 && repeat = 0" -o - "$@" 198.18.1.0/24 \
			2>>"$T/zmap.log" | grep -v saddr | sed "s/\$/$suffix/" | sort >"$T/zmap.got"
		sort "$want" | diff - "$T/zmap.got" >"$T/zmap.diff" && return 0
		echo "zmap $* run $run differs from scand: $(grep '^[<>]' "$T/zmap.diff" | tr '\n' ' ')"
	done
	fail "zmap $* finds another set than scand in 3 runs: $(grep '^[<>]' "$T/zmap.diff" | tr '\n' ' ' | head -c 400)"
}
