#!/usr/bin/env bash
# Retention deletes the jobs that finished first, not the ones submitted
# first: with retain_jobs = 2, a long job that ends after three short ones
# (submitted after it) is kept with its results, and the short ones that
# ended first are deleted. (The soak test found a long job deleted the
# moment it finished: retention went by submission order.) Retention never
# frees a job its caller still uses, and a cancel applies it at once: with
# retain_jobs = 0 job.cancel answers with the job's id and state and the job
# is gone by the next request (under ASan: no use-after-free; in the plain
# build MALLOC_PERTURB_ garbles a freed id).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
make_truth 30 22,33 "$T/truth"
DAEMON_EXTRA='retain_jobs = 2' scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
jobs_left() { jget "$(ctl --json jobs)" '" ".join(j["job_id"] for j in r["jobs"])'; }

long=$(ctl submit "$TARGETS" -p 1-40 -r 800) || fail "submit the long job"
wait_state "$long" running
short=()
for i in 1 2 3; do # one after the other: they finish in this order
	short+=("$(ctl submit 198.18.1.1-198.18.1.8 -p 22 -r 500)") || fail "submit short job $i"
	wait_state "${short[-1]}" done
done
[ "$(jget "$(ctl --json status "$long")" 'r["state"]')" = running ] ||
	fail "the long job ended before the short ones: make it longer"
[ "$(jobs_left)" = "$long ${short[1]} ${short[2]}" ] ||
	fail "after 3 short jobs: $(jobs_left), expected $long ${short[1]} ${short[2]}"
WAIT_S=60 wait_state "$long" done
[ "$(jobs_left)" = "$long ${short[2]}" ] ||
	fail "the long job ended: kept $(jobs_left), expected $long (the newest to finish) and ${short[2]}"
ctl results "$long" -o "$T/r.ndjson" || fail "results of the long job"
check_results "$T/r.ndjson" "$T/truth" "$(probes 1-40)" || fail "the long job's results"
[ -d "$T/state/jobs/${short[1]}" ] && fail "${short[1]} was deleted but its directory stays"
grep -q "job ${short[1]} deleted (more than \[daemon\] retain_jobs" "$T/scand.log" || fail "retention not logged"
echo "retention kept the jobs that finished last"

scand_stop
[ "$SCAND_EXIT" = 0 ] || fail "scand exited $SCAND_EXIT at SIGTERM"
sed -i 's/^retain_jobs = 2$/retain_jobs = 0/' "$T/scand.conf"
scand_start "$T/scand.conf"
[ -z "$(jobs_left)" ] || fail "retain_jobs = 0 kept $(jobs_left) at start"
for i in 1 2 3; do
	job=$(ctl submit "$TARGETS" -p 1-40 -r 500) || fail "submit $i"
	wait_state "$job" running
	out=$(rpc '{"jsonrpc":"2.0","id":1,"method":"job.cancel","params":{"job_id":"'"$job"'"}}')
	[ "$(jget "$out" 'r["result"]["job_id"] + " " + r["result"]["state"]')" = "$job cancelled" ] ||
		fail "job.cancel with retain_jobs = 0: $out"
	ctl status "$job" >/dev/null 2>&1 && fail "retain_jobs = 0 kept $job"
	[ -d "$T/state/jobs/$job" ] && fail "retain_jobs = 0 left $job's directory"
done
scand_stop
[ "$SCAND_EXIT" = 0 ] || fail "scand exited $SCAND_EXIT at SIGTERM (a use-after-free under ASan?)"
echo "retain_jobs = 0: cancel answers, then the job is gone"
echo PASS
