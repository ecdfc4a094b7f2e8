#!/usr/bin/env bash
# kill -9 scand in the middle of a slow job, start it again: the job resumes
# from its checkpoint and finishes; results equal the ground truth with no
# duplicate rows. Then SIGTERM mid-job: checkpoint, restart, resume again.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup

PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf"

run_interrupted() { # signal
	scand_start "$T/scand.conf"
	job=$(ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -r 400 --seed 11) || fail "submit"
	sleep 1.6
	sent1=$(jget "$(ctl --json status "$job")" 'r["sent"]')
	[ "$sent1" -gt 100 ] && [ "$sent1" -lt "$TOTAL" ] || fail "not mid-job: sent $sent1"
	kill "-$1" "$SCAND_PID"; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/state/jobs/$job/checkpoint.json" ||
		fail "checkpoint.json is not valid JSON after kill -$1"
	scand_start "$T/scand.conf"
	# queued only while its row index and dedup filter are rebuilt (off the loop)
	WAIT_S=10 wait_state "$job" running cooldown done
	WAIT_S=30 wait_state "$job" done
	ctl results "$job" -o "$T/results-$1.ndjson" || fail "results"
	check_results "$T/results-$1.ndjson" "$T/truth" "$TOTAL" || fail "results after kill -$1 differ"
	scand_stop
	echo "kill -$1 at $sent1/$TOTAL: resumed and finished exactly"
}

run_interrupted KILL
run_interrupted TERM
echo PASS
