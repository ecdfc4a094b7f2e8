#!/usr/bin/env bash
# Probe modules end to end (probes_lib.sh has the testbed): on af_packet and
# af_xdp (e2e_probes_dpdk: dpdk), icmp_echo and udp over IPv4 and IPv6 give
# exactly the ground truth -- up / unreachable (with ICMP type and code) /
# nothing for silenced hosts; open / closed / unreachable per (host, port) --
# and the listeners got the shipped default payloads. tcp_syn with zmap's
# option sets is exact too. Then, on af_packet: zmap 2.1.1's icmp_echoscan
# and udp modules find the same sets; "record" keeps only the named rows while
# the counters count all; CSV rows without a port; per-module telemetry and
# Prometheus counters. On af_xdp, with jobs sending from the scanner's own
# addresses: the host's ping, a DNS query and an ICMP error about its own
# datagram all get through while an icmp_echo or udp job runs (the XDP filter
# takes only the job's replies), and the job is still exact.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/probes_lib.sh"
ENGINES=${PROBE_ENGINES:-af_packet af_xdp}
lib_setup
testbed_ipv6
probes_testbed >"$T/probes_testbed.log" 2>&1 || { cat "$T/probes_testbed.log"; fail "probe testbed"; }
echo "hosts: $(wc -l <"$T/hosts.up") up, $(wc -l <"$T/hosts.silent") silent, $(wc -l <"$T/hosts.dead") dead"
GW=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

# run_job NAME FAMILY SUBMIT-ARGS...: submit --wait into $T/NAME.ndjson
run_job() {
	local name=$1 fam=$2 tg=198.18.1.1-198.18.1.254
	shift 2
	[ "$fam" = 6 ] && tg=2001:db8:1::1-2001:db8:1::fe
	probes_reset_neigh
	ctl submit "$tg" -r 20000 --name "$name" --wait -o "$T/$name.ndjson" "$@" 2>"$T/$name.progress" >/dev/null ||
		fail "$name: submit --wait failed: $(tail -3 "$T/$name.progress")"
}

job_named() { ctl --json jobs | python3 -c 'import json,sys; print([j["job_id"] for j in json.load(sys.stdin)["jobs"] if j["name"] == sys.argv[1]][0])' "$1"; }

tcp_truth() { # the TCP ground truth: listeners on up and silent hosts
	python3 - "$T" <<'PY' >"$T/tcp.truth"
import random, sys
T = sys.argv[1]
live = [int(l) for k in ("up", "silent") for l in open(f"{T}/hosts.{k}")]
for h, p in sorted(random.sample([(h, p) for h in live for p in (22, 80)], 20)):
    print(f"198.18.1.{h}:{p}")
PY
	# listeners of silent hosts live in the second namespace
	grep -F -f <(sed 's/^/198.18.1./; s/$/:/' "$T/hosts.up") "$T/tcp.truth" >"$T/tcp.truth.up" || :
	grep -F -f <(sed 's/^/198.18.1./; s/$/:/' "$T/hosts.silent") "$T/tcp.truth" >"$T/tcp.truth.silent" || :
	testbed_listen_file "$T/tcp.truth.up"
	local saved=$TARGET_NS
	TARGET_NS=$PROBE_NS2
	mv "$T/listener.out" "$T/listener.up.out"
	testbed_listen_file "$T/tcp.truth.silent"
	TARGET_NS=$saved
}

tcp_check() { # RESULTS: open = listeners, closed = the other up/silent probes, nothing for dead hosts
	python3 - "$T" "$1" <<'PY'
import json, sys
T, res = sys.argv[1:3]
live = [int(l) for k in ("up", "silent") for l in open(f"{T}/hosts.{k}")]
truth = {l.strip() for l in open(f"{T}/tcp.truth") if l.strip()}
rows = [json.loads(l) for l in open(res)]
got = {f'{r["ip"]}:{r["port"]}': r["status"] for r in rows}
want = {f"198.18.1.{h}:{p}": ("open" if f"198.18.1.{h}:{p}" in truth else "closed") for h in live for p in (22, 80)}
assert len(got) == len(rows), "duplicates"
assert got == want, (len(got), len(want), [k for k in want if got.get(k) != want[k]][:5])
print(f"tcp_syn: {len(rows)} rows, {sum(v == 'open' for v in got.values())} open")
PY
}

# The listeners got the default payload of each port (empty for 7777).
check_payloads() {
	python3 - "$T" "$SRCDIR/config/udp-payloads.conf" <<'PY'
import sys
T, conf = sys.argv[1:3]
want = {7777: ""}
for l in open(conf):
    l = l.strip()
    if l and not l.startswith("#") and l.split()[1].startswith("hex:"):
        want[int(l.split()[0])] = l.split(None, 1)[1][4:].replace(" ", "")
got = {}
for l in open(f"{T}/udp.got"):
    p, *h = l.split()
    got.setdefault(int(p), set()).add(h[0] if h else "")
for p, hexes in got.items():
    assert hexes == {want[p]}, (p, hexes, want[p])
assert set(got) >= {53, 123, 161, 7777} - set(), sorted(got)
print(f"listeners got the default payloads of ports {sorted(got)}")
PY
}

# The host's own traffic from its address A (ping, a DNS query to the
# target's resolver, a datagram to a closed port that must come back
# refused) while a job sends from A too.
host_traffic() { # FAMILY
	local srv=198.18.0.2 ping=ping
	[ "$1" = 6 ] && srv=2001:db8::2 ping="ping -6"
	ip netns exec "$SCAN_NS" $ping -c 3 -i 0.2 -W 2 "$srv" >"$T/ping.out" 2>&1 ||
		{ cat "$T/ping.out"; fail "the host's ping to $srv failed during a job"; }
	ip netns exec "$SCAN_NS" python3 - "$srv" <<'PY' || fail "the host's DNS or ICMP error was taken by the job's filter"
import os, socket, sys
srv = sys.argv[1]
fam = socket.AF_INET6 if ":" in srv else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
qid = os.urandom(2)
q = qid + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04host\x04test\x00\x00\x01\x00\x01"
s.sendto(q, (srv, 53))
a, _ = s.recvfrom(512)
assert a[:2] == qid and a[2] & 0x80, a
c = socket.socket(fam, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect((srv, 9))
c.send(b"x")
try:
    c.recv(10)
    sys.exit("a datagram to a closed port was answered")
except ConnectionRefusedError:
    pass
print(f"host traffic to {srv}: ping, DNS (port {s.getsockname()[1]}) and port unreachable got through")
PY
}

# af_xdp: jobs from the scanner's own addresses; the host keeps its traffic.
host_safety() {
	ip netns exec "$TARGET_NS" python3 -c '
import select, socket
socks = []
for fam, a in ((socket.AF_INET, "198.18.0.2"), (socket.AF_INET6, "2001:db8::2")):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((a, 53)); socks.append(s)
print("ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        q, peer = s.recvfrom(512)
        s.sendto(q[:2] + bytes([0x81, 0x80]) + q[4:], peer)
' >"$T/dns.out" 2>&1 &
	LISTENER_PIDS="${LISTENER_PIDS:-} $!"
	for _ in $(seq 50); do grep -q ready "$T/dns.out" && break; sleep 0.1; done
	local mod fam src tg ports rate job
	for mod in icmp_echo udp; do
		for fam in 4 6; do
			src=198.18.0.1 tg=198.18.1.1-198.18.1.254 ports= rate=60
			[ $fam = 6 ] && src=2001:db8::1 tg=2001:db8:1::1-2001:db8:1::fe
			[ $mod = udp ] && ports="-p $PROBE_UDP_PORTS" rate=250
			probes_reset_neigh
			# from the host's address: source ports outside its ephemeral range
			job=$(ctl submit "$tg" $ports --probe $mod --source-ip $src --source-ports 61000-61063 \
				-r $rate --name "hs-$mod-$fam") ||
				fail "host safety: submit $mod from $src"
			wait_state "$job" running
			host_traffic $fam
			[ "$(jget "$(ctl --json status "$job")" 'r["state"]')" = running ] ||
				fail "host safety: the $mod job was no longer running during the host's traffic"
			WAIT_S=60 wait_state "$job" done
			ctl results "$job" -o "$T/hs-$mod-$fam.ndjson" || fail "results"
			probes_check $mod $fam "$T/hs-$mod-$fam.ndjson" || fail "host safety: the $mod job from $src is not exact"
		done
	done
}

tcp_truth
for engine in $ENGINES; do
	rm -rf "$T/state"
	extra=
	[ "$engine" = dpdk ] && extra=$(printf 'dpdk_port = net_af_packet0,iface=sc0\ngateway_mac = %s\n[dpdk]\neal_args = --no-huge --in-memory --no-pci -m 256' "$GW")
	DAEMON_EXTRA="prometheus_textfile = $T/prom" probes_config "$T/scand.conf" "$engine" "$extra"
	scand_start "$T/scand.conf"
	for fam in 4 6; do
		run_job "icmp-$engine-$fam" $fam --probe icmp_echo
		probes_check icmp_echo $fam "$T/icmp-$engine-$fam.ndjson" || fail "$engine: icmp_echo IPv$fam differs from the ground truth"
		: >"$T/udp.got"
		run_job "udp-$engine-$fam" $fam -p "$PROBE_UDP_PORTS" --probe udp
		probes_check udp $fam "$T/udp-$engine-$fam.ndjson" || fail "$engine: udp IPv$fam differs from the ground truth"
		check_payloads || fail "$engine: the listeners did not get the default payloads"
	done
	for opts in bsd windows; do
		run_job "tcp-$engine-$opts" 4 -p 22,80 --probe tcp_syn --probe-args $opts
		tcp_check "$T/tcp-$engine-$opts.ndjson" || fail "$engine: tcp_syn $opts differs from the ground truth"
	done
	tel=$(ctl --json telemetry)
	want_icmp=$((2 * 254)) want_udp=$((2 * 254 * 4))
	[ "$(jget "$tel" "r['nics'][0]['probes']['icmp_echo']['sent']")" = $want_icmp ] &&
		[ "$(jget "$tel" "r['nics'][0]['probes']['udp']['sent']")" = $want_udp ] &&
		[ "$(jget "$tel" "r['nics'][0]['probes']['tcp_syn']['sent']")" = $((2 * 254 * 2)) ] ||
		fail "$engine: per-module sent counters: $(jget "$tel" "r['nics'][0]['probes']")"
	echo "$engine: telemetry probes $(jget "$tel" "r['nics'][0]['probes']")"
	[ "$engine" = af_xdp ] && host_safety
	scand_stop
	[ "$SCAND_EXIT" -eq 0 ] || fail "$engine: scand exited $SCAND_EXIT"
done

case " $ENGINES " in *" af_packet "*) ;; *) echo PASS; exit 0 ;; esac

# ---- af_packet: record filter, CSV, Prometheus, zmap agreement ----
rm -rf "$T/state"
DAEMON_EXTRA="prometheus_textfile = $T/prom" probes_config "$T/scand.conf" af_packet
scand_start "$T/scand.conf"
run_job rec 4 -p "$PROBE_UDP_PORTS" --probe udp --probe-args text:hello --record open
st=$(ctl --json status "$(job_named rec)")
python3 - "$T" "$st" "$T/rec.ndjson" "$PROBE_UDP_PORTS" <<'PY' || fail "record [open]: rows or counters wrong"
import json, sys
T, st, res, ports = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
rows = [json.loads(l) for l in open(res)]
opened = {l.strip() for l in open(f"{T}/udp.truth4")}
n = {k: len(open(f"{T}/hosts.{k}").read().split()) for k in ("up", "silent", "dead")}
assert {f'{r["ip"]}:{r["port"]}' for r in rows} == opened and all(r["status"] == "open" for r in rows), rows[:3]
assert st["open"] == len(opened), st
assert st["closed"] == (n["up"] + n["silent"]) * len(ports) - len(opened), st
assert st["unreachable"] == n["dead"] * len(ports), st
assert st["probe"] == "udp", st
print(f"record [open]: {len(rows)} rows kept; counters open {st['open']} closed {st['closed']} unreachable {st['unreachable']}")
PY
run_job icmpcsv 4 --probe icmp_echo
ctl results "$(job_named icmpcsv)" -O csv -o "$T/icmp.csv" || fail "results -O csv"
python3 - "$T/icmp.csv" "$T/icmpcsv.ndjson" <<'PY' || fail "CSV of port-less rows wrong"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
nd = [json.loads(l) for l in open(sys.argv[2])]
assert rows[0] == ["ip", "port", "status", "ttl", "ts", "nic"], rows[0]
assert [r[:3] for r in rows[1:]] == [[j["ip"], "", j["status"]] for j in nd]
print(f"CSV: {len(rows) - 1} rows, same columns, empty port")
PY
# scanctl reads --probe-args files on the client's side: a payload file with a
# file: rule and a template, expanded per probe; its bad inputs are usage errors
printf '\x00\x2a\x01' >"$T/p53.bin"
printf '53 file:p53.bin\n7777 template:to ${DADDR}:${DPORT} from ${SADDR}\\n\n' >"$T/payloads.conf"
: >"$T/udp.got"
run_job tmpl 4 -p 53,7777 --probe udp --probe-args "payloads:$T/payloads.conf"
python3 - "$T" <<'PY' || fail "payloads:FILE: the listeners did not get the file's payloads"
import binascii, sys
T = sys.argv[1]
got = [l.split() for l in open(f"{T}/udp.got")]
want = {l.strip().rsplit(":", 1)[0] for l in open(f"{T}/udp.truth4") if l.strip().endswith(":7777")}
by = {}
for p, *h in got:
    by.setdefault(int(p), []).append(binascii.unhexlify(h[0]).decode("latin1") if h else "")
assert set(by.get(53, [])) <= {"\x00\x2a\x01"} and len(by.get(53, [])) == sum(1 for l in open(f"{T}/udp.truth4") if l.strip().endswith(":53")), by.get(53)
texts = sorted(by.get(7777, []))
assert texts == sorted(f"to {a}:7777 from 198.18.0.100\n" for a in want), (texts[:2], sorted(want)[:2])
print(f"payloads:FILE: file: and template: payloads arrived ({len(texts)} expanded templates)")
PY
for bad in "--probe udp --probe-args file:$T/nonexistent" "--probe udp --probe-args payloads:$T/nonexistent" \
	"--probe icmp_echo --probe-args x" "--probe udp --probe-args template:$T/p53.bin.missing"; do
	# shellcheck disable=SC2086
	ctl submit 198.18.1.1 -p 53 $bad >"$T/bad.out" 2>&1
	[ $? = 2 ] && grep -q "scanctl: " "$T/bad.out" || fail "scanctl submit $bad: want a usage error (exit 2): $(cat "$T/bad.out")"
done
ctl submit 198.18.1.1 -p 53 --probe ntp >"$T/bad.out" 2>&1
[ $? = 1 ] && grep -q 'unknown probe module "ntp"' "$T/bad.out" || fail "--probe ntp: $(cat "$T/bad.out")"
up=$(wc -l <"$T/hosts.up")
for _ in $(seq 30); do # the textfile is written every tick
	grep -qx "scand_probes_sent_total{nic=\"sc0\",module=\"icmp_echo\"} 254" "$T/prom" &&
		grep -qx "scand_probes_sent_total{nic=\"sc0\",module=\"udp\"} $((254 * 4 + 254 * 2))" "$T/prom" && break
	sleep 0.1
done
grep -qx "scand_probes_sent_total{nic=\"sc0\",module=\"udp\"} $((254 * 4 + 254 * 2))" "$T/prom" ||
	fail "Prometheus per-module counters: $(grep scand_probe "$T/prom")"
info=$(ctl --json info)
[ "$(jget "$info" "[m['name'] for m in r['probe_modules']]")" = "['tcp_syn', 'icmp_echo', 'udp']" ] ||
	fail "daemon.info probe_modules: $info"
scand_stop

# zmap 2.1.1 on the same testbed (its default blocklist holds 198.18.0.0/15)
command -v zmap >/dev/null || fail "zmap not installed (scripts/test installs it)"
probes_reset_neigh
python3 -c 'import json,sys; print("\n".join(sorted(r["ip"] for r in map(json.loads, open(sys.argv[1])) if r["status"] == "up")))' \
	"$T/icmp-af_packet-4.ndjson" >"$T/scand.up"
zmap_check "$T/scand.up" "" -M icmp_echoscan -r 20000 -c 2
for p in 53 7777; do
	grep -E ":$p\$" "$T/udp.truth4" >"$T/udp.truth.$p"
	zmap_check "$T/udp.truth.$p" ":$p" -M udp -p $p --probe-args=text:hello -r 20000 -c 2
done
echo "zmap agrees: $(wc -l <"$T/scand.up") hosts up, $(grep -cE ':(53|7777)$' "$T/udp.truth4") UDP ports open"
echo PASS
