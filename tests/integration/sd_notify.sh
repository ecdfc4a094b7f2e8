#!/usr/bin/env bash
# systemd protocol without systemd as PID 1: scand started with our own
# NOTIFY_SOCKET sends READY=1 (once engines are open and it answers),
# STATUS= and WATCHDOG=1 every tick, RELOADING=1 then READY=1 on SIGHUP,
# STOPPING=1 on SIGTERM and exits 0 within 5 s. Socket activation: scand
# answers on a listening socket passed as fd 3 (LISTEN_FDS/LISTEN_PID) and
# does not create the socket named in its config.
# (SIGTERM mid-job and resume after restart: see e2e_restart.sh.)
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup

NS=$T/notify.sock
# notification receiver: one line per datagram, "seconds|FIELD|FIELD..."
python3 - "$NS" >"$T/notify.log" 2>"$T/notify.err" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
t0 = time.monotonic()
while True:
    try:
        msg = s.recv(65536)
    except socket.timeout:
        break
    print(f"{time.monotonic() - t0:.3f}|" + msg.decode(errors="replace").replace("\n", "|"), flush=True)
PY
RECV_PID=$!
LISTENER_PIDS="${LISTENER_PIDS:-} $RECV_PID"
for _ in $(seq 50); do [ -S "$NS" ] && break; sleep 0.1; done
[ -S "$NS" ] || fail "notify receiver did not bind $NS"

# wait_msg PATTERN [TIMEOUT_S]: a notification line matching PATTERN arrives
wait_msg() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		grep -qE "$1" "$T/notify.log" && return 0
		sleep 0.1
	done
	echo "--- notifications so far:"; cat "$T/notify.log"
	fail "no notification matching '$1' within ${2:-10} s"
}
count() { grep -cE "$1" "$T/notify.log"; }

scand_config "$T/scand.conf"
# WATCHDOG_PID unset: scand pings every tick whether or not sd_watchdog_enabled()
SCAND_WRAP="env NOTIFY_SOCKET=$NS WATCHDOG_USEC=2000000" scand_start "$T/scand.conf"
wait_msg '\|READY=1'
head -1 "$T/notify.log" | grep -q 'READY=1' || fail "first notification is not READY=1: $(head -1 "$T/notify.log")"
grep -m1 'READY=1' "$T/notify.log" | grep -q '|STATUS=.' || fail "READY=1 carries no STATUS="
# two ticks: STATUS= and WATCHDOG=1 each tick
sleep 2.5
wait_msg '\|WATCHDOG=1'
nst=$(count '^[0-9.]+\|STATUS=')
nwd=$(count '\|WATCHDOG=1')
[ "$nst" -ge 2 ] || fail "only $nst STATUS= updates in 2.5 s (want one per 1 s tick)"
[ "$nwd" -ge 2 ] || fail "only $nwd WATCHDOG=1 pings in 2.5 s (want one per 1 s tick, WatchdogSec=30)"
grep -m1 '^[0-9.]*|STATUS=' "$T/notify.log" | grep -q 'running' ||
	fail "STATUS= line does not describe jobs: $(grep -m1 '|STATUS=' "$T/notify.log")"
echo "ready; $nst STATUS= and $nwd WATCHDOG=1 in 2.5 s; e.g. $(grep -m1 '^[0-9.]*|STATUS=' "$T/notify.log")"

# watchdog pings keep coming while a job runs (the main loop is not blocked)
job=$(ctl submit 198.18.1.0/24 -p 22,80 -r 200) || fail "submit failed"
before=$(count '\|WATCHDOG=1')
sleep 2.2
after=$(count '\|WATCHDOG=1')
[ $((after - before)) -ge 2 ] || fail "watchdog pings stalled during job $job ($before -> $after)"
ctl cancel "$job" >/dev/null || fail "cancel failed"

# SIGHUP: RELOADING=1, then READY=1 again
nready=$(count '\|READY=1')
kill -HUP "$SCAND_PID"
wait_msg '\|RELOADING=1' 5
wait_msg "READY=1" 5
python3 - "$T/notify.log" "$nready" <<'PY' || fail "after SIGHUP: RELOADING=1 then READY=1 expected"
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(i for i, l in enumerate(lines) if "|RELOADING=1" in l)
assert sum("READY=1" in l for l in lines[:i]) == int(sys.argv[2]), "READY=1 before RELOADING=1"
assert any("READY=1" in l for l in lines[i + 1:]), "no READY=1 after RELOADING=1"
PY
kill -0 "$SCAND_PID" 2>/dev/null || fail "scand died on SIGHUP"
ctl heartbeat >/dev/null || fail "scand does not answer after SIGHUP"

# SIGTERM: STOPPING=1, exit 0 within 5 s, nothing after STOPPING=1
t0=$(date +%s%N)
kill -TERM "$SCAND_PID"
wait_msg '\|STOPPING=1' 5
for _ in $(seq 50); do kill -0 "$SCAND_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SCAND_PID" 2>/dev/null && fail "scand still running 5 s after SIGTERM"
wait "$SCAND_PID"
rc=$?
SCAND_PID=
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -eq 0 ] || fail "scand exited $rc after SIGTERM (want 0)"
tail -1 "$T/notify.log" | grep -q 'STOPPING=1' || fail "notification after STOPPING=1: $(tail -1 "$T/notify.log")"
python3 - "$T/notify.log" <<'PY' || fail "notifications out of order"
import sys
lines = open(sys.argv[1]).read().splitlines()
first = lambda s: next(i for i, l in enumerate(lines) if s in l)
order = [first("READY=1"), first("WATCHDOG=1"), first("RELOADING=1"), first("STOPPING=1")]
assert order == sorted(order), order
PY
echo "SIGHUP -> RELOADING=1, READY=1; SIGTERM -> STOPPING=1, exit 0 after $ms ms"

# socket activation: a listening socket at another path, passed as fd 3,
# by systemd-socket-activate (when installed) and by a python wrapper
activate() { # METHOD
	local how=$1 AS=$T/activated-$1.sock out
	rm -f "$T/control.sock"
	if [ "$how" = systemd-socket-activate ]; then
		ip netns exec "$SCAN_NS" systemd-socket-activate -l "$AS" "$SCAND" --config "$T/scand.conf" >>"$T/scand.log" 2>&1 &
	else
		ip netns exec "$SCAN_NS" python3 - "$AS" "$SCAND" --config "$T/scand.conf" >>"$T/scand.log" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execve(sys.argv[2], sys.argv[2:], env)
PY
	fi
	SCAND_PID=$!
	for _ in $(seq 50); do [ -S "$AS" ] && break; sleep 0.1; done
	[ -S "$AS" ] || fail "$how did not create $AS"
	out=$("$SCANCTL" --socket "$AS" --json heartbeat 2>&1) || fail "no heartbeat on the socket passed by $how: $out"
	echo "$out" | grep -qE '"ok":[[:space:]]*true' || fail "bad heartbeat on the socket passed by $how: $out"
	[ -e "$T/control.sock" ] && fail "scand created its own $T/control.sock although $how passed a socket"
	grep -qF "ready on $AS (socket from systemd)" "$T/scand.log" || fail "scand's ready line does not name the passed socket $AS"
	out=$("$SCANCTL" --socket "$AS" --json heartbeat 2>&1) || fail "second heartbeat on the socket passed by $how failed: $out"
	scand_stop
	[ "$SCAND_EXIT" -eq 0 ] || fail "scand started by $how exited $SCAND_EXIT on SIGTERM"
	echo "socket activation ($how): heartbeat answered on the passed socket, exit 0"
}
command -v systemd-socket-activate >/dev/null && activate systemd-socket-activate
activate python
echo "PASS: sd_notify sequence, watchdog, reload, stop, socket activation"
