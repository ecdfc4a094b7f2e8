#!/usr/bin/env bash
# AIMD on the netns testbed with simulated ENA counters ([nic] ena_counters_file):
# while pps_allowance_exceeded rises, the job's rate is cut within 3 ticks and
# telemetry reports network pressure; once it stops moving the rate recovers
# to rate_pps. Also checks telemetry.get's ENA block and the Prometheus file.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
ena=$T/ena_counters
printf 'pps_allowance_exceeded 0\nbw_in_allowance_exceeded 0\nbw_out_allowance_exceeded 0\nconntrack_allowance_available 99000\n' >"$ena"
DAEMON_EXTRA="prometheus_textfile = $T/scand.prom" scand_config "$T/scand.conf" \
	$'[nic "sc0"]\nengine = af_packet\nena_counters_file = '"$ena"
sed -i 's/^adaptive = false$/adaptive = true\naimd_increase_pps = 4000\naimd_decrease = 0.5\ntick_ms = 500/' "$T/scand.conf"
scand_start "$T/scand.conf"

job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-2000 -r 20000) || fail submit
wait_state "$job" running
rate() { jget "$(ctl --json status "$job")" "$1"; }
sleep 1.5
[ "$(rate 'r["rate_current_pps"]')" = 20000 ] || fail "rate should start at 20000: $(ctl --json status "$job")"

# network pressure: a bumper raises the counter every 0.2 s, so every 0.5 s
# tick sees it rise for as long as it runs
bump() { n=$((n + 100)); printf 'pps_allowance_exceeded %d\nconntrack_allowance_available 99000\n' $n >"$ena.tmp"; mv "$ena.tmp" "$ena"; }
(n=0; while :; do bump; sleep 0.2; done) &
BUMPER=$!
trap 'kill $BUMPER 2>/dev/null; lib_cleanup' EXIT
cut=""
for _ in $(seq 15); do # 1.5 s = 3 ticks
	sleep 0.1
	# the cut counter, not the current rate: a slow poll could miss the dip
	[ "$(rate 'r["cuts"] >= 1')" = True ] && { cut=1; break; }
done
[ -n "$cut" ] || fail "rate not cut within 3 ticks: $(ctl --json status "$job")"
sleep 1.5
st=$(ctl --json status "$job")
tel=$(ctl --json telemetry)
[ "$(jget "$st" 'r["cuts"] >= 2 and r["pressure"]')" = network ] ||
	fail "expected repeated cuts and network pressure while the counter rises: $st"
[ "$(jget "$tel" 'r["rate"]["cuts"] >= 2 and r["rate"]["pressure"]')" = network ] ||
	fail "telemetry should report network pressure while the counter rises: $tel"
# each cut is logged with its reason
cuts=$(sed -nE 's/.* rate ([0-9]+) pps \(allowance exceeded counters rose\).*/\1/p' "$T/scand.log" | sort -n)
[ "$(echo "$cuts" | grep -c .)" -ge 2 ] && [ "$(echo "$cuts" | head -1)" -le 10000 ] ||
	fail "repeated cuts (to <= 10000 pps) not logged with their reason: $(grep 'job j' "$T/scand.log" | tail -5)"
[ "$(jget "$tel" 'r["nics"][0]["ena"]["pps_allowance_exceeded"] >= 100 and r["nics"][0]["ena"]["bw_in_allowance_exceeded"] is None')" = True ] ||
	fail "telemetry ena block: $tel"
echo "cut to $(jget "$st" 'r["rate_current_pps"]') pps after $(jget "$st" 'r["cuts"]') cuts, pressure network"
kill $BUMPER
wait $BUMPER 2>/dev/null
n=$(sed -n 's/^pps_allowance_exceeded //p' "$ena")

# recovery: the counter stops moving
rec=""
for _ in $(seq 60); do
	sleep 0.2
	[ "$(rate 'r["rate_current_pps"]')" = 20000 ] && { rec=1; break; }
done
[ -n "$rec" ] || fail "rate did not recover: $(ctl --json status "$job")"
[ "$(rate 'r["pressure"]')" = none ] || fail "pressure should be none after recovery"
[ "$(jget "$(ctl --json telemetry)" 'r["rate"]["pressure"]')" = none ] || fail "telemetry pressure should be none after recovery"
echo "recovered to 20000 pps"

# Prometheus textfile (written atomically every tick)
sleep 0.6
for m in '# TYPE scand_nic_tx_packets_total counter' 'scand_nic_tx_packets_total{nic="sc0"}' \
	"scand_ena_pps_allowance_exceeded_total{nic=\"sc0\"} $n" 'scand_ena_conntrack_allowance_available{nic="sc0"} 99000' \
	"scand_job_sent_total{job_id=\"$job\"}" 'scand_rate_target_pps 20000' 'scand_rate_cuts_total' \
	'scand_worker_busy_ratio{nic="sc0",queue="0"}'; do
	grep -qF "$m" "$T/scand.prom" || { cat "$T/scand.prom"; fail "Prometheus file lacks: $m"; }
done
# scanctl top: two refreshes of the live per-NIC view
ctl top -n 2 >"$T/top" || fail "scanctl top"
grep -q '^sc0 .* [0-9]*/0/0 (+0/+0/+0)' "$T/top" || { cat "$T/top"; fail "scanctl top lacks the sc0 row with ENA counters"; }
[ "$(grep -c '^rate: target' "$T/top")" = 2 ] || fail "scanctl top did not refresh twice"
cat "$T/top" | tail -4
ctl cancel "$job" >/dev/null
echo PASS
