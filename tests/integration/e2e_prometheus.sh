#!/usr/bin/env bash
# Prometheus: scand's textfile passes `promtool check metrics` while a job
# with hostile label values (quote, backslash, newline, UTF-8) runs, the
# values come out escaped as the exposition format wants, the file's
# timestamp advances every tick; deploy/prometheus/scand.rules.yml passes
# `promtool check rules`, its unit tests pass, and every scand metric the
# rules use is in the file (except state_dir's, which issue 18 adds).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool missing (apt-get install prometheus; scripts/deps.sh does)"; exit 77; }
RULES=$SRCDIR/deploy/prometheus
promtool check rules "$RULES/scand.rules.yml" || fail "promtool check rules"
(cd "$RULES" && promtool test rules scand.rules.test.yml) || fail "promtool test rules"
lib_setup
DAEMON_EXTRA="prometheus_textfile = $T/scand.prom" scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-100 -r 500 --label campaign=weekly \
	--label 'note=a"b\c'$'\n''d é') || fail submit
wait_state "$job" running
sleep 1.5
cp "$T/scand.prom" "$T/a.prom"
promtool check metrics <"$T/a.prom" >"$T/check.out" 2>&1 || { cat "$T/check.out"; fail "promtool check metrics"; }
[ -s "$T/check.out" ] && { cat "$T/check.out"; fail "promtool check metrics has remarks"; }
want="scand_job_sent_total{job_id=\"$job\",campaign=\"weekly\",note=\"a\\\"b\\\\c\\nd é\"}"
grep -qF "$want" "$T/a.prom" || { grep scand_job_sent "$T/a.prom"; fail "escaped labels: want $want"; }
for m in $(grep -o 'scand_[a-z_]*' "$RULES/scand.rules.yml" | sort -u | grep -v '^scand_state_dir_'); do
	grep -q "^$m[{ ]" "$T/a.prom" || fail "the rules use $m, which the textfile lacks"
done
sleep 1.2
t1=$(awk '/^scand_last_update_timestamp_seconds/ {print $2}' "$T/a.prom")
t2=$(awk '/^scand_last_update_timestamp_seconds/ {print $2}' "$T/scand.prom")
python3 -c "import sys; a, b = map(float, sys.argv[1:]); assert 0.5 < b - a < 5, (a, b)" "$t1" "$t2" ||
	fail "scand_last_update_timestamp_seconds did not advance ($t1 -> $t2)"
ctl cancel "$job" >/dev/null
echo "textfile: $(grep -vc '^#' "$T/a.prom") samples, promtool clean; rules checked and unit-tested"
echo PASS
