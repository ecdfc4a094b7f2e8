#!/usr/bin/env bash
# Opt-out requests apply at once (issue 18): mid-scan a range covering some
# open ports is added to blocklist_file; daemon.reload (and SIGHUP) re-read
# it. After the reload no probe reaches the range (a capture on the target
# side), the reply says one running job was affected, daemon.info shows the
# new blocklist size and load time, job.status counts the skipped probes
# (sent + skipped = total), and the rest of the job ends exact. A blocklist
# file that does not parse keeps the old one and says why.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
PORTS=1-50
make_truth 60 5,15,25,35,45 "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"

# SYNs arriving on the target's side, with their arrival time
ip netns exec "$TARGET_NS" python3 - "$T/syns" <<'PY' &
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("tg0", 0))
out = open(sys.argv[1], "w", buffering=1)
print("ready", file=out)
while True:
    f = s.recv(128)
    if len(f) >= 54 and f[23] == 6 and f[47] & 0x12 == 0x02:  # TCP, SYN without ACK
        out.write(f"{time.time():.6f} {socket.inet_ntoa(f[30:34])}\n")
PY
LISTENER_PIDS="${LISTENER_PIDS:-} $!"
for _ in $(seq 50); do grep -q ready "$T/syns" 2>/dev/null && break; sleep 0.1; done

job=$(ctl submit "$TARGETS" -p "$PORTS" -r 2000 --seed 9) || fail submit # ~6 s
wait_state "$job" running
sleep 2
info0=$(ctl --json info)
echo "198.18.1.128/25  # opt-out request" >>"$T/blocklist.conf"
r=$(rpc '{"jsonrpc":"2.0","id":1,"method":"daemon.reload"}')
t_reload=$(date +%s.%N)
[ "$(jget "$r" 'r["result"]["lists_reloaded"] and r["result"]["jobs_affected"]')" = 1 ] ||
	fail "reload reply: $r"
info1=$(ctl --json info)
[ "$(jget "$info1" 'r["blocklist"]["ranges"]')" -gt "$(jget "$info0" 'r["blocklist"]["ranges"]')" ] ||
	fail "daemon.info blocklist size did not grow: $info1"
[ "$(jget "$info1" 'r["blocklist"]["loaded_at"] != '"'$(jget "$info0" 'r["blocklist"]["loaded_at"]')'")" = True ] ||
	fail "daemon.info blocklist loaded_at unchanged"
WAIT_S=60 wait_state "$job" done

python3 - "$T/syns" "$t_reload" <<'PY' || fail "probes reached the opted-out range after the reload"
import ipaddress, sys
t = float(sys.argv[2])
net = ipaddress.ip_network("198.18.1.128/25")
before = after = 0
for line in open(sys.argv[1]):
    if line.startswith("ready"): continue
    ts, ip = line.split()
    if ipaddress.ip_address(ip) in net:
        if float(ts) > t + 0.05: after += 1
        else: before += 1
print(f"SYNs to 198.18.1.128/25: {before} before the reload, {after} after")
sys.exit(1 if after or not before else 0)
PY
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["skipped"] > 0 and r["sent"] + r["skipped"] == r["total"] == '"$TOTAL")" = True ] ||
	fail "skipped/sent/total: $st"
# the rest of the job is exact: every address outside the range, all 50 ports
ctl results "$job" -o "$T/all.ndjson" || fail results
python3 - "$T/all.ndjson" "$T/truth" <<'PY' || fail "results outside the opted-out range differ"
import ipaddress, json, sys
net = ipaddress.ip_network("198.18.1.128/25")
rows = [json.loads(l) for l in open(sys.argv[1])]
keep = [r for r in rows if ipaddress.ip_address(r["ip"]) not in net]
truth = {l.strip() for l in open(sys.argv[2]) if l.strip() and ipaddress.ip_address(l.split(":")[0]) not in net}
opened = {f'{r["ip"]}:{r["port"]}' for r in keep if r["status"] == "open"}
closed = {f'{r["ip"]}:{r["port"]}' for r in keep if r["status"] == "closed"}
assert opened == truth, (sorted(truth - opened)[:5], sorted(opened - truth)[:5])
assert len(closed) == 127 * 50 - len(truth), len(closed)
print(f"outside the range: {len(opened)} open = truth, {len(closed)} closed")
PY

# a blocklist that does not parse: the old one stays, the reason is given
echo "198.18.1.999/24" >>"$T/blocklist.conf"
kill -HUP "$SCAND_PID"
sleep 0.5
grep -q "reload: keeping the previous blocklist and allow list: .*blocklist.conf:.*198.18.1.999" "$T/scand.log" ||
	fail "a bad blocklist was not refused with its line: $(tail -3 "$T/scand.log")"
r=$(rpc '{"jsonrpc":"2.0","id":1,"method":"daemon.reload"}')
[ "$(jget "$r" 'r["result"]["lists_reloaded"] == False and "198.18.1.999" in r["result"]["lists_error"]')" = True ] ||
	fail "daemon.reload with a bad blocklist: $r"
[ "$(jget "$(ctl --json info)" 'r["blocklist"]["ranges"]')" = "$(jget "$info1" 'r["blocklist"]["ranges"]')" ] ||
	fail "the old blocklist was not kept"
echo PASS
