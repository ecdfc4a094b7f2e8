#!/usr/bin/env bash
# End to end on the netns testbed with the af_packet engine: 254 hosts x 5
# ports, ~50 random open (ip, port) pairs; scanctl submit --wait must report
# exactly the open set, every other probe closed, nothing outside the
# targets; zmap scanning the same testbed finds the same open set.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup

PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"

ctl submit "$TARGETS" -p "$PORTS" -r 20000 --seed 7 --name e2e --wait -o "$T/results.ndjson" \
	2>"$T/progress" || fail "submit --wait failed: $(cat "$T/progress")"
check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "results differ from ground truth"

job=$(ctl --json jobs | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["job_id"])')
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["state"]')" = done ] || fail "state not done: $st"
[ "$(jget "$st" "r['sent'] == r['total'] == $TOTAL")" = True ] || fail "sent/total wrong: $st"
[ "$(jget "$st" 'r["open"]')" = 50 ] || fail "open count wrong: $st"

# CSV over several job.results pages: the header once, every row once
ctl results "$job" -O csv -o "$T/results.csv" || fail "results -O csv"
python3 - "$T/results.csv" "$T/results.ndjson" "$TOTAL" <<'PY' || fail "CSV results wrong"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
rows = [json.loads(l) for l in open(sys.argv[2])]
assert lines[0] == "ip,port,status,ttl,ts,nic", lines[0]
assert lines.count(lines[0]) == 1, "header repeated"
body = lines[1:]
assert len(body) == int(sys.argv[3]) == len(set(body)), (len(body), sys.argv[3])
assert [l.split(",")[:3] for l in body] == [[r["ip"], str(r["port"]), r["status"]] for r in rows]
print(f"CSV: header once, {len(body)} rows in NDJSON order")
PY

# telemetry counted what went out
tel=$(ctl --json telemetry)
[ "$(jget "$tel" "r['nics'][0]['tx_packets'] >= $TOTAL")" = True ] || fail "telemetry tx_packets: $tel"

# zmap on the same testbed, one run per port (Debian's zmap scans one port per run)
command -v zmap >/dev/null || fail "zmap not installed (scripts/test installs it)"
for p in ${PORTS//,/ }; do
	grep ":$p\$" "$T/truth" >"$T/truth.$p"
	zmap_check "$T/truth.$p" ":$p" -p "$p" -r 20000 -c 3
done
echo "zmap agrees: $(wc -l <"$T/truth") open"
echo "PASS"
