#!/usr/bin/env bash
# IPv6 end to end: the target answers for 2001:db8:1::/120 (AnyIP), listeners
# on 20 random (address, port) pairs; scans with the af_packet and af_xdp
# engines find exactly them, every other probe closed; NDJSON rows carry IPv6
# addresses. Also scanctl submit -I FILE (targets from a file).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
testbed_ipv6
python3 - >"$T/truth" <<'PY'
import random
pairs = random.sample([(h, p) for h in range(1, 255) for p in (22, 80)], 20)
for h, p in sorted(pairs):
    print(f"[2001:db8:1::{h:x}]:{p}")
PY
testbed_listen_file "$T/truth"
sed 's/^\[\(.*\)\]:\([0-9]*\)$/\1:\2/' "$T/truth" | python3 -c '
import sys, ipaddress
for l in sys.stdin:
    a, p = l.strip().rsplit(":", 1); print(f"{ipaddress.ip_address(a)}:{p}")' >"$T/truth.plain"

check6() { # results total
	python3 - "$1" "$T/truth.plain" "$2" <<'PY'
import json, sys, ipaddress
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
truth = {l.strip() for l in open(sys.argv[2]) if l.strip()}
keys = [f'{ipaddress.ip_address(r["ip"])}:{r["port"]}' for r in rows]
opened = {k for k, r in zip(keys, rows) if r["status"] == "open"}
assert len(keys) == len(set(keys)), "duplicates"
assert all(ipaddress.ip_address(r["ip"]) in ipaddress.ip_network("2001:db8:1::/120") for r in rows)
assert opened == truth, (sorted(truth - opened)[:3], sorted(opened - truth)[:3])
assert len(rows) == int(sys.argv[3]), (len(rows), sys.argv[3])
print(f"{len(rows)} rows, {len(opened)} open (IPv6)")
PY
}

for engine in af_packet af_xdp; do
	scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = %s\nqueues = 1\nsource_ip = 2001:db8::100\n' $engine)"
	scand_start "$T/scand.conf"
	ctl submit 2001:db8:1::1-2001:db8:1::fe -p 22,80 -r 5000 --wait -o "$T/r-$engine.ndjson" >/dev/null 2>&1 ||
		fail "$engine: IPv6 scan failed"
	check6 "$T/r-$engine.ndjson" $((254 * 2)) || fail "$engine: IPv6 results differ from ground truth"
	scand_stop
	rm -rf "$T/state"
done

# targets from a file (-I): only the listed hosts are probed
scand_start "$T/scand.conf"
sed 's/^\(.*\):[0-9]*$/\1/' "$T/truth.plain" | sort -u >"$T/hosts"
echo "# comment lines and blank lines are skipped" >>"$T/hosts"
n=$(grep -c : "$T/hosts")
ctl submit -I "$T/hosts" -p 22,80 -r 5000 --wait -o "$T/r-file.ndjson" >/dev/null 2>&1 || fail "submit -I"
check6 "$T/r-file.ndjson" $((n * 2)) || fail "-I results differ"
echo PASS
