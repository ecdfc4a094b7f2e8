#!/usr/bin/env bash
# The benchmark tools still work (no timing asserted): bench/xsk_bare sends
# valid SYN frames to the benchmarking range only and refuses any other
# address; bench/start.sh runs its latency, turnaround and breakdown parts end to end.
set -u
. "$SRCDIR/tests/integration/testbed.sh"
. "$SRCDIR/tests/integration/lib.sh"
BARE=${BUILDDIR:-$SRCDIR/build}/bench/xsk_bare
need_root
[ -x "$BARE" ] || { echo "SKIP: $BARE not built (scand built without af_xdp)"; exit 77; }
command -v zmap >/dev/null || { echo "SKIP: zmap not installed (start.sh compares with it)"; exit 77; }
lib_setup
sc_mac=$(ip -n "$SCAN_NS" -br link show sc0 | awk '{print $3}')
tg_mac=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

# addresses outside 198.18.0.0/15 are refused before anything is sent
for a in "-t 10.0.0.1" "-s 192.0.2.1" "-t 198.20.0.1" "-t 2001:db8::1"; do
	out=$(ip netns exec "$SCAN_NS" "$BARE" -i sc0 -d 0.1 -w 0 $a 2>&1) && fail "xsk_bare accepted $a"
	grep -q "inside 198.18.0.0/15" <<<"$out" || fail "xsk_bare $a: unexpected error: $out"
done

# capture_check LEN ARGS...: runs xsk_bare briefly while tg0 captures; every
# frame seen must be the expected SYN with valid checksums
capture_check() {
	local len=$1; shift
	ip netns exec "$TARGET_NS" python3 - "$len" "$sc_mac" "$tg_mac" >"$T/cap.out" 2>&1 <<'PY' &
import socket, struct, sys, time
want_len, smac, dmac = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("tg0", 0x0800))
s.settimeout(0.5)
print("ready", flush=True)
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return t
n, end = 0, time.time() + 10
while time.time() < end and n < 200:
    try: f = s.recv(256)
    except socket.timeout:
        if n: break
        continue
    mac = lambda b: ":".join(f"{x:02x}" for x in b)
    ihl = (f[14] & 15) * 4
    ip = f[14:14 + ihl]
    tot = struct.unpack("!H", f[16:18])[0]
    seg = f[14 + ihl:14 + tot]
    pseudo = f[26:34] + struct.pack("!BBH", 0, 6, len(seg))
    errs = []
    if len(f) != want_len: errs.append(f"length {len(f)} != {want_len}")
    if mac(f[0:6]) != dmac or mac(f[6:12]) != smac: errs.append("MACs")
    if socket.inet_ntoa(f[26:30]) != "198.18.0.100" or socket.inet_ntoa(f[30:34]) != "198.18.1.1": errs.append("addresses")
    if f[23] != 6 or seg[13] != 0x02 or struct.unpack("!H", seg[2:4])[0] != 80: errs.append("not a SYN to port 80")
    if csum(ip) != 0xffff: errs.append("IPv4 header checksum")
    if csum(pseudo + seg) != 0xffff: errs.append("TCP checksum")
    if errs:
        print("bad frame:", ", ".join(errs), f.hex()); sys.exit(1)
    n += 1
print("frames", n)
sys.exit(0 if n else 1)
PY
	local cap=$!
	for _ in $(seq 50); do grep -q ready "$T/cap.out" && break; sleep 0.1; done
	ip netns exec "$SCAN_NS" "$BARE" -i sc0 -c 0 -d 0.2 -w 0 "$@" >"$T/bare.out" 2>&1 ||
		{ cat "$T/bare.out"; fail "xsk_bare $* failed"; }
	wait $cap || { cat "$T/cap.out"; fail "frames from xsk_bare $* are wrong"; }
	grep -Eq ' sent=[1-9][0-9]* ' "$T/bare.out" || fail "xsk_bare $* reports nothing sent: $(cat "$T/bare.out")"
	echo "xsk_bare $*: $(grep frames "$T/cap.out") checked, $(grep -o 'sent=[0-9]*' "$T/bare.out")"
}
capture_check 60
capture_check 74 --scand-frame -n 4096 --write -r 64

# start.sh end to end, all three parts, a few jobs (its own testbed)
out=$(JOBS=3 RUNS=2 ENGINES="null af_xdp" "$SRCDIR/bench/start.sh" "${BUILDDIR:-$SRCDIR/build}" 2>&1) ||
	{ echo "$out"; fail "bench/start.sh failed"; }
python3 - "$out" <<'PY' || { echo "$out"; fail "bench/start.sh output incomplete"; }
import json, sys
lines = sys.argv[1].splitlines()
starts = {r["label"]: r for r in (json.loads(l[6:]) for l in lines if l.startswith("START "))}
turn = [json.loads(l[11:]) for l in lines if l.startswith("TURNAROUND ")]
assert set(starts) == {"null", "af_xdp"}, starts.keys()
assert all(r["submit_rtt"]["n"] == 3 and r["counter"]["n"] == 3 for r in starts.values())
assert starts["af_xdp"]["wire"]["n"] == 3 and "wire" not in starts["null"]
assert len(turn) == 1 and turn[0]["scanctl"]["n"] == 2 and turn[0]["zmap"]["n"] == 2
steps = {l.split()[1]: json.loads(l.split(None, 2)[2]) for l in lines if l.startswith("BREAKDOWN ")}
assert set(steps) == {"disk", "tmpfs"}, steps.keys()
assert all(len(s) == 5 and all(v["n"] == 2 for v in s.values()) for s in steps.values())
PY
grep -q "state_dir on tmpfs (tmpfs)" <<<"$out" || { echo "$out"; fail "start.sh part c did not run on a tmpfs"; }
grep -q "scand-bench" /proc/mounts && fail "start.sh left its tmpfs mounted"
echo "bench/start.sh: all three parts ran"
