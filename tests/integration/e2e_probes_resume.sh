#!/usr/bin/env bash
# Sharding and resume hold for every probe module (tcp_syn: e2e_shard,
# e2e_restart). On the ground-truth testbed of probes_lib.sh, af_packet:
# 1. icmp_echo and udp in shards 0/3, 1/3, 2/3 with one seed: the result
#    sets are disjoint, every row is right, their union is exactly the
#    ground truth and the totals add up;
# 2. a slow icmp_echo job, and a slow udp job over IPv6, killed with -9 in
#    the middle: scand resumes each from its checkpoint and the results
#    equal the ground truth with no duplicate row.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/probes_lib.sh"
lib_setup
testbed_ipv6
probes_testbed >"$T/probes_testbed.log" 2>&1 || { cat "$T/probes_testbed.log"; fail "probe testbed"; }
probes_config "$T/scand.conf" af_packet
scand_start "$T/scand.conf"

for mod in icmp_echo udp; do
	ports=
	[ $mod = udp ] && ports="-p $PROBE_UDP_PORTS"
	: >"$T/union.ndjson"
	: >"$T/totals"
	for s in 0 1 2; do
		probes_reset_neigh
		job=$(ctl submit 198.18.1.1-198.18.1.254 $ports --probe $mod --seed 99 --shard $s/3 -r 20000) ||
			fail "$mod: submit shard $s/3"
		ctl watch "$job" 2>/dev/null || fail "$mod: shard $s/3 did not finish"
		ctl results "$job" -o "$T/shard$s.ndjson" || fail "results"
		probes_check $mod 4 "$T/shard$s.ndjson" sharded || fail "$mod: shard $s/3 has wrong rows"
		cat "$T/shard$s.ndjson" >>"$T/union.ndjson"
		jget "$(ctl --json status "$job")" 'r["total"]' >>"$T/totals"
	done
	probes_check $mod 4 "$T/union.ndjson" || fail "$mod: the union of the shards is not the ground truth"
	want=254
	[ $mod = udp ] && want=$((254 * 4))
	[ "$(awk '{s += $1} END {print s}' "$T/totals")" = $want ] || fail "$mod: shard totals $(tr '\n' ' ' <"$T/totals") do not add up to $want"
	echo "$mod: shards disjoint (no duplicate in the union), totals $(tr '\n' ' ' <"$T/totals")"
done

# kill -9 mid-job, restart, resume: exact
resume() { # MODULE FAMILY RATE PORTS...
	local mod=$1 fam=$2 rate=$3 tg=198.18.1.1-198.18.1.254 sent total
	shift 3
	[ $fam = 6 ] && tg=2001:db8:1::1-2001:db8:1::fe
	probes_reset_neigh
	job=$(ctl submit "$tg" "$@" --probe $mod -r "$rate" --seed 5) || fail "$mod: submit"
	sleep 1.3
	st=$(ctl --json status "$job")
	sent=$(jget "$st" 'r["sent"]') total=$(jget "$st" 'r["total"]')
	[ "$sent" -gt 20 ] && [ "$sent" -lt "$total" ] || fail "$mod: not mid-job: sent $sent of $total"
	kill -KILL "$SCAND_PID"
	wait "$SCAND_PID" 2>/dev/null
	SCAND_PID=
	scand_start "$T/scand.conf"
	WAIT_S=60 wait_state "$job" done
	ctl results "$job" -o "$T/resume-$mod.ndjson" || fail "results"
	probes_check $mod $fam "$T/resume-$mod.ndjson" || fail "$mod IPv$fam: results after kill -9 differ from the ground truth"
	echo "$mod IPv$fam: kill -9 at $sent/$total, resumed and exact"
}
resume icmp_echo 4 100
resume udp 6 300 -p "$PROBE_UDP_PORTS"
echo PASS
