#!/usr/bin/env bash
# Access and load: the control socket is 0660 root:GROUP; a throwaway user
# outside the group cannot connect (scanctl exit 3 naming the group), and if
# the socket were world-writable SO_PEERCRED still refuses it (-32003); a member
# of the group is served. The read-only telemetry socket answers heartbeat and
# telemetry but refuses job.submit (-32003). 200 concurrent clients polling
# heartbeat/job.status while a job runs are all answered and the job's rate
# stays within 5 % of the unloaded rate.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
U=scand-t$$
G=scand-g$$
groupadd "$G" || fail groupadd
useradd -M -N -s /usr/sbin/nologin "$U" || fail useradd
trap 'userdel "$U" 2>/dev/null; groupdel "$G" 2>/dev/null; lib_cleanup' EXIT
chmod 755 "$T"
DAEMON_EXTRA=$(printf 'socket_group = %s\ntelemetry_socket = %s/telemetry.sock\ntelemetry_group = %s\nmax_clients = 256\nmax_clients_per_uid = 256' "$G" "$T" "$G") \
	scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
as_user() { setpriv --reuid="$U" --regid="$G" --clear-groups "$@"; }
as_member() { setpriv --reuid="$U" --regid=nogroup --groups="$(getent group "$G" | cut -d: -f3)" "$@"; }

[ "$(stat -c '%a %G' "$T/control.sock")" = "660 $G" ] || fail "socket mode/group: $(stat -c '%a %G' "$T/control.sock")"
setpriv --reuid="$U" --regid=nogroup --clear-groups "$SCANCTL" --socket "$T/control.sock" heartbeat 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q "Permission denied.*are you in the scand group" "$T/err" || fail "outsider: rc $rc $(cat "$T/err")"
chmod 0666 "$T/control.sock" # misconfigured socket: the peer check still refuses
setpriv --reuid="$U" --regid=nogroup --clear-groups "$SCANCTL" --socket "$T/control.sock" heartbeat 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "permission denied: uid .* not in group $G" "$T/err" || fail "SO_PEERCRED: rc $rc $(cat "$T/err")"
chmod 0660 "$T/control.sock"
as_member "$SCANCTL" --socket "$T/control.sock" heartbeat >/dev/null || fail "group member refused"
echo "permissions: outsider refused (exit 3, then -32003), member served"

# read-only socket
as_member "$SCANCTL" --socket "$T/telemetry.sock" telemetry >/dev/null || fail "telemetry socket: telemetry"
as_member "$SCANCTL" --socket "$T/telemetry.sock" submit 198.18.1.1 -p 80 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "not allowed on the read-only socket" "$T/err" || fail "read-only submit: rc $rc $(cat "$T/err")"
echo "read-only socket: telemetry served, submit refused"

# load: unloaded rate, then the same job with 200 pollers
rate_of() { jget "$(ctl --json status "$1")" 'r["tx_rate_pps"]'; }
j0=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-100 -r 10000 --cooldown 0) || fail submit
WAIT_S=30 wait_state "$j0" done
j1=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-100 -r 10000 --cooldown 0) || fail submit
python3 - "$T/control.sock" "$j1" <<'PY' || fail "load: some client was not answered"
import json, socket, sys, threading, time
path, job = sys.argv[1], sys.argv[2]
ok, bad = [0], [0]
lock = threading.Lock()
def client(i):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(path)
    f = s.makefile("rwb")
    end = time.time() + 2.0
    n = 0
    while time.time() < end:
        m = {"jsonrpc": "2.0", "id": n, "method": "heartbeat"} if n % 2 else \
            {"jsonrpc": "2.0", "id": n, "method": "job.status", "params": {"job_id": job}}
        f.write((json.dumps(m) + "\n").encode()); f.flush()
        r = json.loads(f.readline())
        with lock:
            if r.get("id") == n and "result" in r: ok[0] += 1
            else: bad[0] += 1
        n += 1
        time.sleep(0.05)
    s.close()
ts = [threading.Thread(target=client, args=(i,)) for i in range(200)]
[t.start() for t in ts]; [t.join() for t in ts]
print(f"200 clients: {ok[0]} answered, {bad[0]} wrong")
sys.exit(1 if bad[0] or ok[0] < 200 else 0)
PY
WAIT_S=30 wait_state "$j1" done
r0=$(rate_of "$j0") r1=$(rate_of "$j1")
python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'rate unloaded {a:.0f}, loaded {b:.0f}'); sys.exit(0 if abs(b-a)/a <= 0.05 else 1)" "$r0" "$r1" ||
	fail "loaded rate more than 5 % off the unloaded rate"
echo PASS
