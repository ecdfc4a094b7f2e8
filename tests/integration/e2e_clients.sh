#!/usr/bin/env bash
# Control-socket isolation (issue 14): a member of the socket group cannot
# make scand read a file for it (targets_file: FIFO, device, symlink, a
# root-only file, directory, huge file -- all refused at once with one text,
# the daemon never blocks); root's targets_file is opened safely (a FIFO is
# refused at once, a root-only file is read). Idle connections are closed
# after client_timeout_s unless subscribed, one uid cannot take every slot,
# a line of exactly max_line + 1 bytes gets -32600, and every response is
# valid UTF-8 even when a message cuts a client's text.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
U=scand-c$$
G=scand-cg$$
groupadd "$G" || fail groupadd
useradd -M -N -s /usr/sbin/nologin "$U" || fail useradd
trap 'userdel "$U" 2>/dev/null; groupdel "$G" 2>/dev/null; lib_cleanup' EXIT
chmod 755 "$T"
DAEMON_EXTRA=$(printf 'socket_group = %s\nmax_clients = 12\nmax_clients_per_uid = 4\nclient_timeout_s = 2\nmax_line = 1024' "$G") \
	scand_config "$T/scand.conf"
sed -i 's/^allow = .*/&\nmax_targets_len = 4096/' "$T/scand.conf"
scand_start "$T/scand.conf"
GID=$(getent group "$G" | cut -d: -f3)

# files a member might name
mkdir -p "$T/f" && chmod 755 "$T/f"
mkfifo "$T/f/fifo"
printf '198.18.1.1\n' >"$T/f/rootonly" && chmod 600 "$T/f/rootonly"
ln -s "$T/f/rootonly" "$T/f/link"
mkdir "$T/f/dir"
head -c 100000 /dev/zero | tr '\0' '1' >"$T/f/huge" && chmod 644 "$T/f/huge"

python3 - "$T/control.sock" "$T/f" "$U" "$GID" <<'PY' || fail "targets_file isolation"
import json, os, socket, sys, time
path, d, user, gid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
import pwd
uid = pwd.getpwnam(user).pw_uid

def request(req):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path)
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        buf += s.recv(65536)
    return json.loads(buf)

def call(req, as_member):
    """One request; as the member user in a child process when asked."""
    if not as_member:
        return request(req)
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        os.setgroups([gid]); os.setgid(gid); os.setuid(uid)
        os.write(wr, json.dumps(request(req)).encode()); os._exit(0)
    os.close(wr)
    out = b""
    while chunk := os.read(rd, 65536):
        out += chunk
    os.close(rd); os.waitpid(pid, 0)
    return json.loads(out)

def submit(tf):
    return {"jsonrpc": "2.0", "id": 1, "method": "job.submit",
            "params": {"targets_file": tf, "ports": "80", "cooldown_s": 0}}

texts = set()
for name in ("fifo", "dev", "link", "rootonly", "dir", "huge", "missing"):
    p = "/dev/zero" if name == "dev" else f"{d}/{name}"
    t0 = time.time()
    r = call(submit(p), True)
    took = time.time() - t0
    e = r.get("error", {})
    assert e.get("code") == -32003 and e["data"]["field"] == "targets_file", (name, r)
    assert took < 2, (name, took)
    texts.add(e["message"])
    hb = call({"jsonrpc": "2.0", "id": 2, "method": "heartbeat"}, False)
    assert hb["result"]["ok"], hb
print("member: all 7 targets_file kinds refused with -32003 at once,", len(texts), "distinct text")
assert len(texts) == 1, texts

# root: a FIFO is refused at once (never read), a root-only file is read
t0 = time.time()
r = call(submit(f"{d}/fifo"), False)
assert r["error"]["code"] == -32602 and "regular file" in r["error"]["message"], r
assert time.time() - t0 < 2
for name in ("dir", "link", "huge"):
    r = call(submit(f"{d}/{name}"), False)
    assert r["error"]["code"] == -32602, (name, r)
r = call(submit(f"{d}/rootonly"), False)
assert "job_id" in r.get("result", {}), r
print("root: FIFO/dir/symlink/huge refused at once, root-only file read")
PY

python3 - "$T/control.sock" "$U" "$GID" <<'PY' || fail "connection limits"
import json, os, socket, sys, time, pwd
path, uid, gid = sys.argv[1], pwd.getpwnam(sys.argv[2]).pw_uid, int(sys.argv[3])

def dial():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path); return s

def line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(65536)
        if not c: break
        buf += c
    return buf

def closed(s, secs):
    s.settimeout(secs)
    try:
        while s.recv(65536): pass
        return True
    except (socket.timeout, ConnectionResetError):
        return False

# one uid (the member) cannot take every slot: 4 allowed, the 5th refused
pid = os.fork()
if pid == 0:
    os.setgroups([gid]); os.setgid(gid); os.setuid(uid)
    conns = [dial() for _ in range(4)]
    fifth = dial()
    r = json.loads(line(fifth))
    ok = r["error"]["code"] == -32001 and "max_clients_per_uid" in r["error"]["message"]
    sub = conns[0]
    sub.sendall(b'{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}\n'); line(sub)
    # the idle ones are closed after client_timeout_s (2 s); the subscriber stays
    idle_closed = all(closed(c, 4) for c in conns[1:])
    sub.settimeout(0.5)
    try:
        sub_alive = sub.recv(1) != b""
    except socket.timeout:
        sub_alive = True
    again = dial()  # a slot is free again
    again.sendall(b'{"jsonrpc":"2.0","id":3,"method":"heartbeat"}\n')
    served = "result" in json.loads(line(again))
    print(f"member: 5th connection refused {ok}, idle closed {idle_closed}, subscriber open {sub_alive}, reconnect served {served}")
    os._exit(0 if ok and idle_closed and sub_alive and served else 1)
_, st = os.waitpid(pid, 0)
assert os.WEXITSTATUS(st) == 0, "member connection limits"

# a line of exactly max_line + 1 bytes: -32600 and closed
s = dial()
s.sendall(b"x" * 1025 + b"\n")
r = json.loads(line(s))
assert r["error"]["code"] == -32600 and "exceeds 1024 bytes" in r["error"]["message"], r
assert closed(s, 2)
# a message that cuts the client's text mid-character stays valid UTF-8
for k in range(55, 62):
    s = dial()
    m = "x" * k + "é" * 10
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": m}, ensure_ascii=False) + "\n").encode())
    raw = line(s)
    raw.decode("utf-8")  # strict: raises on a lone lead byte
    assert json.loads(raw)["error"]["code"] == -32601
    s.close()
print("max_line + 1 refused and closed; cut messages are valid UTF-8")
PY
ctl heartbeat >/dev/null || fail "daemon not answering after the client tests"
echo PASS
