#!/usr/bin/env bash
# A full disk pauses, never fails (issue 27): state_dir on a small tmpfs
# that a filler file fills while a job runs.
# 1. The job is held with held_reason "disk" (not failed), the rows written
#    so far are whole (no torn row), and the daemon keeps answering.
# 2. The filler is removed: the job resumes by itself and ends done, exact
#    against the ground truth (one row per probe, no duplicate).
# 3. A submit while the disk is full is refused with -32001 naming
#    min_free_mb (and accepted again afterwards, by step 2's resume).
# 4. Between ticks (tick_ms = 60000: no tick comes during the job), a job
#    whose rows need more than the room above min_free_mb is held for the
#    disk by the count of the rows it wrote, before it writes much below
#    min_free_mb (the tick alone would let it fill the disk); with room again
#    it resumes by itself and ends with one row per probe.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
PORTS=22,80,443,8080,8443,9000,9001,9002,9003,9004,9005,9006,9007,9008,9009
make_truth 40 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
mkdir -p "$T/state"
mount -t tmpfs -o size=8m tmpfs "$T/state" || fail "cannot mount a tmpfs for state_dir"
trap 'umount -l "$T/state" 2>/dev/null; lib_cleanup' EXIT
DAEMON_EXTRA='min_free_mb = 2' scand_config "$T/scand.conf"
scand_start "$T/scand.conf"

job=$(ctl submit "$TARGETS" -p "$PORTS" -r 500) || fail submit
wait_state "$job" running
for _ in $(seq 100); do # a few hundred rows first
	[ "$(jget "$(ctl --json status "$job")" 'r["results"]')" -gt 300 ] && break
	sleep 0.1
done
dd if=/dev/zero of="$T/state/filler" bs=64k 2>/dev/null # until the tmpfs is full
WAIT_S=20 wait_state "$job" held
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["held_reason"]')" = disk ] || fail "held, but not for the disk: $st"
jget "$st" 'r["error"]' | grep -q 'min_free_mb\|No space left' || fail "the reason does not say why: $st"
f=$T/state/jobs/$job/results.ndjson
[ -z "$(tail -c 1 "$f")" ] || fail "results.ndjson ends in a torn row"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$f" || fail "a row on disk does not parse"
ctl heartbeat >/dev/null || fail "the daemon does not answer while the disk is full"
reply=$(rpc '{"jsonrpc":"2.0","id":1,"method":"job.submit","params":{"targets":["198.18.1.1"],"ports":"80"}}')
[ "$(jget "$reply" 'r["error"]["code"]')" = -32001 ] && jget "$reply" 'r["error"]["message"]' | grep -q min_free_mb ||
	fail "a submit on a full disk should be refused naming min_free_mb: $reply"
echo "held for the disk at $(wc -l <"$f") whole rows; the daemon answers; submits refused"

rm -f "$T/state/filler"
WAIT_S=120 wait_state "$job" done
ctl results "$job" -o "$T/results.ndjson" || fail "results"
check_results "$T/results.ndjson" "$T/truth" "$TOTAL" || fail "the resumed job is not exact"
[ "$(jget "$(ctl --json status "$job")" 'r["complete"]')" = True ] || fail "the job says it lost replies"
echo "resumed by itself when the disk had room; exact"

free_kb() { echo $(($(stat -f -c '%a * %S' "$T/state") / 1024)); }
scand_stop
rm -rf "${T:?}/state/"*
DAEMON_EXTRA='min_free_mb = 2' scand_config "$T/scand.conf"
sed -i 's/^adaptive = false$/adaptive = false\ntick_ms = 60000/' "$T/scand.conf"
scand_start "$T/scand.conf"
dd if=/dev/zero of="$T/state/filler" bs=1k count=$(($(free_kb) - 3072)) 2>/dev/null # 3 MB free: 1 MB of room
job=$(ctl submit "$TARGETS" -p 1-200 -r 25000) || fail "submit (between ticks)"
WAIT_S=30 wait_state "$job" held
st=$(ctl --json status "$job")
[ "$(jget "$st" 'r["held_reason"]')" = disk ] || fail "held, but not for the disk: $st"
[ "$(free_kb)" -gt 1536 ] || fail "held with only $(free_kb) KB free: the rows went far below min_free_mb = 2 before a check"
echo "held between ticks with $(free_kb) KB free after $(jget "$st" 'r["results"]') rows"
rm -f "$T/state/filler"
WAIT_S=60 wait_state "$job" done
ctl results "$job" -o "$T/results2.ndjson" || fail "results (between ticks)"
want=$(probes 1-200)
[ "$(python3 -c 'import json,sys; print(len({(r["ip"], r["port"]) for r in map(json.loads, open(sys.argv[1]))}))' "$T/results2.ndjson")" = "$want" ] &&
	[ "$(wc -l <"$T/results2.ndjson")" = "$want" ] || fail "the job held between ticks does not end with one row per probe ($want)"
echo "resumed without a tick; one row per probe"
echo PASS
