# Ground truth for the probe modules (icmp_echo, udp) on the netns testbed.
# Source after testbed.sh and lib.sh, call probes_testbed after testbed_up
# and testbed_ipv6. The hosts 198.18.1.1-254 and 2001:db8:1::1-fe are split
# at random (host h is the same kind in both families):
#   up      local in the target namespace: answers ping; UDP answered by a
#           listener or refused (ICMP port unreachable)
#   silent  local in a second namespace behind the target that ignores echo
#           requests (net.ipv4.icmp_echo_ignore_all, ICMPv6 too); UDP as up
#   dead    routed to a link nobody answers on: the target reports host
#           unreachable (ICMP 3/1, ICMPv6 1/3) for every probe
# ICMP rate limits are off in both namespaces so no error is lost. Files in
# $T: hosts.up, hosts.silent, hosts.dead (host numbers), udp.truth4/6
# (listener ip:port lines, [v6]:port), udp.got (what listeners received).
PROBE_UDP_PORTS=53,123,161,7777

probes_testbed() {
	local t2=scand-t2-${TESTBED_ID:-$$} n=$TARGET_NS
	ip netns add "$t2" || return 1
	EXTRA_NS="${EXTRA_NS:-} $t2"
	PROBE_NS2=$t2
	ip link add tq0 netns "$n" type veth peer name tq1 netns "$t2" || return 1
	ip -n "$t2" link set lo up
	ip -n "$n" addr add 198.18.2.1/30 dev tq0
	ip -n "$t2" addr add 198.18.2.2/30 dev tq1
	ip -n "$n" addr add 2001:db8:2::1/64 dev tq0 nodad
	ip -n "$t2" addr add 2001:db8:2::2/64 dev tq1 nodad
	ip -n "$n" link set tq0 up
	ip -n "$t2" link set tq1 up
	ip -n "$t2" route add default via 198.18.2.1
	ip -n "$t2" -6 route add default via 2001:db8:2::1
	ip -n "$n" link add dd0 type veth peer name dd1 || return 1
	ip -n "$n" link set dd0 up # dd1 stays down: nobody answers ARP or ND there
	local quiet="net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000 net.ipv6.icmp.ratelimit=0"
	ip netns exec "$n" sysctl -qw $quiet net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.neigh.dd0.mcast_solicit=1 net.ipv4.neigh.dd0.retrans_time_ms=50 \
		net.ipv6.neigh.dd0.mcast_solicit=1 net.ipv6.neigh.dd0.retrans_time_ms=50 || return 1
	# always SYN cookies, as in the target (testbed.sh): no half-open state between jobs
	ip netns exec "$t2" sysctl -qw $quiet net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1 \
		net.ipv4.tcp_syncookies=2 || return 1
	ip -n "$n" route del local 198.18.1.0/24 dev lo table local
	ip -n "$n" -6 route del local 2001:db8:1::/120 dev lo table local
	python3 - "$T" <<'PY'
import random, sys
T = sys.argv[1]
kind = {h: random.choice(("up", "up", "silent", "dead")) for h in range(1, 255)}
for k in ("up", "silent", "dead"):
    open(f"{T}/hosts.{k}", "w").write("".join(f"{h}\n" for h in kind if kind[h] == k))
t1, t2 = [], []
for h, k in kind.items():
    for a in (f"198.18.1.{h}", f"2001:db8:1::{h:x}"):
        if k == "up":
            t1.append(f"route add local {a} dev lo")
        elif k == "silent":
            t1.append(f"route add {a} via {'198.18.2.2' if '.' in a else '2001:db8:2::2'}")
            t2.append(f"route add local {a} dev lo")
        else:
            t1.append(f"route add {a} dev dd0")
open(f"{T}/routes.t1", "w").write("\n".join(t1) + "\n")
open(f"{T}/routes.t2", "w").write("\n".join(t2) + "\n")
PY
	ip -n "$n" -batch "$T/routes.t1" && ip -n "$t2" -batch "$T/routes.t2" || return 1
	probes_udp_listeners
}

# UDP listeners on 30 random (address, port) pairs per family among the up
# and silent hosts; each answers every datagram and logs what it got.
probes_udp_listeners() {
	python3 - "$T" "$PROBE_UDP_PORTS" <<'PY'
import random, sys
T, ports = sys.argv[1], [int(p) for p in sys.argv[2].split(",")]
live = [int(l) for k in ("up", "silent") for l in open(f"{T}/hosts.{k}")]
up = {int(l) for l in open(f"{T}/hosts.up")}
for fam in ("4", "6"):
    pairs = sorted(random.sample([(h, p) for h in live for p in ports], 30))
    with open(f"{T}/udp.truth{fam}", "w") as f:
        for h, p in pairs:
            f.write(f"198.18.1.{h}:{p}\n" if fam == "4" else f"[2001:db8:1::{h:x}]:{p}\n")
    for ns in ("up", "silent"):
        with open(f"{T}/udp.listen{fam}.{ns}", "w") as f:
            for h, p in pairs:
                if (h in up) == (ns == "up"):
                    f.write(f"198.18.1.{h} {p}\n" if fam == "4" else f"2001:db8:1::{h:x} {p}\n")
PY
	local ns
	for ns in up silent; do
		local netns=$TARGET_NS
		[ $ns = silent ] && netns=$PROBE_NS2
		cat "$T/udp.listen4.$ns" "$T/udp.listen6.$ns" >"$T/udp.listen.$ns"
		ip netns exec "$netns" python3 -c '
import select, socket, sys
socks = []
for line in open(sys.argv[1]):
    a, p = line.split()
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(41 if fam == socket.AF_INET6 else socket.SOL_IP, 78 if fam == socket.AF_INET6 else 15, 1)  # FREEBIND
    s.bind((a, int(p)))
    socks.append(s)
log = open(sys.argv[2], "a", buffering=1)
print("ready", len(socks), flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(2048)
        s.sendto(b"answer", peer)
        log.write(f"{s.getsockname()[1]} {data.hex()}\n")
' "$T/udp.listen.$ns" "$T/udp.got" >"$T/udp.listener.$ns" 2>&1 &
		LISTENER_PIDS="${LISTENER_PIDS:-} $!"
		for _ in $(seq 50); do grep -q ready "$T/udp.listener.$ns" && break; sleep 0.1; done
		grep -q ready "$T/udp.listener.$ns" || { cat "$T/udp.listener.$ns"; fail "UDP listeners in $ns did not start"; }
	done
}

# The dead link's neighbours failed in an earlier job: start them afresh so
# every probe is queued and reported again.
probes_reset_neigh() {
	ip -n "$TARGET_NS" neigh flush dev dd0 2>/dev/null
	ip -n "$TARGET_NS" -6 neigh flush dev dd0 2>/dev/null
	return 0
}

# probes_check MODULE FAMILY RESULTS [SHARDED]: the rows equal the ground
# truth exactly: icmp_echo up = up hosts, unreachable (3/1 or 1/3) = dead
# hosts, nothing from silent ones, no port; udp open = listeners, closed =
# every other (up or silent host, port), unreachable = dead hosts x ports.
# With SHARDED the rows may be a subset (a shard) but must all be right.
probes_check() {
	python3 - "$T" "$1" "$2" "$3" "$PROBE_UDP_PORTS" "${4:-}" <<'PY'
import ipaddress, json, sys
T, mod, fam, res, ports, sharded = sys.argv[1:7]
ports = [int(p) for p in ports.split(",")]
hosts = {k: [int(l) for l in open(f"{T}/hosts.{k}")] for k in ("up", "silent", "dead")}
addr = (lambda h: f"198.18.1.{h}") if fam == "4" else (lambda h: str(ipaddress.ip_address(f"2001:db8:1::{h:x}")))
unreach = (3, 1) if fam == "4" else (1, 3)
want = {}
if mod == "icmp_echo":
    for h in hosts["up"]: want[(addr(h), None)] = ("up", None)
    for h in hosts["dead"]: want[(addr(h), None)] = ("unreachable", unreach)
else:
    opened = set()
    for l in open(f"{T}/udp.truth{fam}"):
        a, p = l.strip().rsplit(":", 1)
        opened.add((str(ipaddress.ip_address(a.strip("[]"))), int(p)))
    for h in hosts["up"] + hosts["silent"]:
        for p in ports:
            want[(addr(h), p)] = ("open", None) if (addr(h), p) in opened else ("closed", None)
    for h in hosts["dead"]:
        for p in ports: want[(addr(h), p)] = ("unreachable", unreach)
rows = [json.loads(l) for l in open(res) if l.strip()]
got = {}
errs = []
for r in rows:
    k = (str(ipaddress.ip_address(r["ip"])), r.get("port"))
    if k in got: errs.append(f"duplicate {k}")
    code = (r["icmp_type"], r["icmp_code"]) if "icmp_type" in r else None
    got[k] = (r["status"], code)
    if mod == "icmp_echo" and "port" in r: errs.append(f"icmp_echo row with a port: {r}")
    if (r["status"] == "unreachable") != ("icmp_type" in r): errs.append(f"icmp fields wrong: {r}")
if sharded:
    wrong = {k: v for k, v in got.items() if want.get(k) != v}
    if wrong: errs.append(f"{len(wrong)} wrong rows, e.g. {list(wrong.items())[:3]}")
elif got != want:
    miss = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    diff = [(k, got[k], want[k]) for k in got if k in want and got[k] != want[k]]
    errs.append(f"missing {len(miss)} {miss[:3]}, extra {len(extra)} {extra[:3]}, differ {len(diff)} {diff[:3]}")
by = {}
for v in got.values(): by[v[0]] = by.get(v[0], 0) + 1
print(f"{mod} IPv{fam}: {len(rows)} rows {by}; want {len(want)}")
if errs:
    print("\n".join(errs)); sys.exit(1)
PY
}

# probes_config FILE ENGINE [EXTRA_NIC_LINES]: one NIC sc0 on ENGINE with an
# IPv6 source too, the shipped default UDP payloads; jobs may also send from
# the scanner's own addresses (source_ips).
probes_config() {
	local extra=${3:-}
	scand_config "$1" "$(printf '[nic "sc0"]\nengine = %s\nqueues = 1\nsource_ip = 2001:db8::100\n%s' "$2" "$extra")"
	sed -i "s|^\[scan\]|[scan]\nudp_payloads = $SRCDIR/config/udp-payloads.conf\nsource_ips = 198.18.0.1, 2001:db8::1|" "$1"
}
