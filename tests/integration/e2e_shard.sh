#!/usr/bin/env bash
# Sharding across daemons: three scanner namespaces, one daemon each, one
# target. Same seed, shards 0/3, 1/3, 2/3: the result sets are disjoint, their
# union is exactly the ground truth (open) plus every other probe (closed), and
# the totals add up to hosts x ports. Then N=7 over a space of 5 probes, and a
# daemon whose config sets [scan] shard reports and applies it.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
make_truth 40 22,80,443,8080,8443 "$T/truth"
PIDS=()
for i in 1 2 3; do
	testbed_scanner $i || fail "testbed_scanner $i"
	ns_var=SCAN_NS_$i
	mkdir -p "$T/d$i"
	extra=""; [ $i = 3 ] && extra="shard = 2/3"
	cat >"$T/d$i/scand.conf" <<CFG
[daemon]
socket = $T/d$i/control.sock
state_dir = $T/d$i/state
[rate]
adaptive = false
[scan]
source_ip = 198.18.$((110 + i)).100
cooldown_s = 1
blocklist_file = $T/blocklist.conf
allow = 198.18.0.0/15
$extra
[nic "sc0"]
engine = af_packet
CFG
	test_blocklist "$T/blocklist.conf"
	ip netns exec "${!ns_var}" "$SCAND" --config "$T/d$i/scand.conf" >>"$T/scand.log" 2>&1 &
	PIDS+=($!)
done
trap 'kill ${PIDS[*]} 2>/dev/null; lib_cleanup' EXIT
c() { local i=$1; shift; "$SCANCTL" --socket "$T/d$i/control.sock" "$@"; }
for i in 1 2 3; do
	for _ in $(seq 50); do c $i heartbeat >/dev/null 2>&1 && break; sleep 0.1; done
done
[ "$(jget "$(c 3 --json info)" 'r["shard"]')" = "{'index': 2, 'count': 3}" ] || fail "daemon 3 should report shard 2/3"

# shards 0/3 and 1/3 given explicitly, 2/3 from daemon 3's config
j1=$(c 1 submit 198.18.1.1-198.18.1.254 -p 22,80,443,8080,8443 --seed 4242 --shard 0/3 -r 5000) || fail submit1
j2=$(c 2 submit 198.18.1.1-198.18.1.254 -p 22,80,443,8080,8443 --seed 4242 --shard 1/3 -r 5000) || fail submit2
j3=$(c 3 submit 198.18.1.1-198.18.1.254 -p 22,80,443,8080,8443 --seed 4242 -r 5000) || fail submit3
for i in 1 2 3; do
	jv=j$i
	c $i watch "${!jv}" 2>/dev/null || fail "job on daemon $i did not finish"
	c $i results "${!jv}" -o "$T/r$i.ndjson" || fail "results $i"
	c $i --json status "${!jv}" >"$T/s$i.json"
done
python3 - "$T" <<'PY' || fail "shards are not disjoint and complete"
import json, sys
T = sys.argv[1]
sets = [{(r["ip"], r["port"]) for r in map(json.loads, open(f"{T}/r{i}.ndjson"))} for i in (1, 2, 3)]
totals = [json.load(open(f"{T}/s{i}.json"))["total"] for i in (1, 2, 3)]
truth = {tuple(l.strip().rsplit(":", 1)) for l in open(f"{T}/truth")}
truth = {(a, int(p)) for a, p in truth}
opened = set()
for i in (1, 2, 3):
    opened |= {(r["ip"], r["port"]) for r in map(json.loads, open(f"{T}/r{i}.ndjson")) if r["status"] == "open"}
assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), "overlap"
union = sets[0] | sets[1] | sets[2]
assert len(union) == 254 * 5, len(union)
assert opened == truth, (sorted(truth - opened)[:3], sorted(opened - truth)[:3])
assert sum(totals) == 254 * 5, totals
print("shard totals", totals, "union", len(union), "open", len(opened))
PY

# N=7 over 5 probes (198.18.1.9 x ports 1-5): shards 0..6 spread over the daemons
for s in 0 1 2 3 4 5 6; do
	i=$((s % 3 + 1))
	j=$(c $i submit 198.18.1.9 -p 1-5 --seed 7 --shard $s/7 -r 1000 --cooldown 1) || fail "submit $s/7"
	c $i watch "$j" 2>/dev/null || fail "shard $s/7 did not finish"
	c $i results "$j" >>"$T/small.ndjson"
	c $i --json status "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])' >>"$T/small.totals"
done
[ "$(awk '{s += $1} END {print s}' "$T/small.totals")" = 5 ] || fail "N=7 totals do not add up to 5: $(cat "$T/small.totals" | tr '\n' ' ')"
[ "$(python3 -c 'import json,sys; print(len({(r["ip"],r["port"]) for r in map(json.loads, open(sys.argv[1]))}))' "$T/small.ndjson")" = 5 ] ||
	fail "N=7: the union is not the 5 probes"
[ "$(wc -l <"$T/small.ndjson")" = 5 ] || fail "N=7: some probe reported twice"
echo "N=7 over 5 probes: totals $(tr '\n' ' ' <"$T/small.totals")"
echo PASS
