#!/usr/bin/env bash
# Faults: kill -9 at random points of a job five times in a row (the job still
# ends with exactly the ground truth, no duplicates, valid state files); state
# files edited to garbage (scand starts, marks those jobs failed with the
# reason, serves others); state_dir on a full disk (the job is held with the
# reason disk -- e2e_diskfull shows it resume --, the daemon keeps serving).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
trap 'umount "$T/small" 2>/dev/null; lib_cleanup' EXIT
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
TOTAL=$(probes "$PORTS")
scand_config "$T/scand.conf"

# 1. kill -9 five times
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -r 120 --seed 3) || fail submit
for k in 1 2 3 4 5; do
	sleep "1.$((RANDOM % 9))" # random points; checkpoints lag one tick

	kill -9 "$SCAND_PID"; wait "$SCAND_PID" 2>/dev/null; SCAND_PID=
	for f in spec checkpoint; do
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/state/jobs/$job/$f.json" ||
			fail "kill $k: $f.json is not valid JSON"
	done
	scand_start "$T/scand.conf"
	echo "kill -9 #$k at $(jget "$(ctl --json status "$job")" 'r["sent"]') sent"
done
WAIT_S=60 wait_state "$job" done
ctl results "$job" -o "$T/r.ndjson" || fail results
check_results "$T/r.ndjson" "$T/truth" "$TOTAL" || fail "results after 5 x kill -9 differ from ground truth"
scand_stop

# 2. garbage state files
cp -r "$T/state/jobs/$job" "$T/state/jobs/j900001-dead"
echo 'this is not json {' >"$T/state/jobs/j900001-dead/checkpoint.json"
mkdir -p "$T/state/jobs/j900002-dead" && head -c 300 /dev/urandom >"$T/state/jobs/j900002-dead/spec.json"
scand_start "$T/scand.conf"
for bad in j900001-dead j900002-dead; do
	st=$(ctl --json status "$bad") || fail "$bad should be listed"
	[ "$(jget "$st" 'r["state"]')" = failed ] || fail "$bad should be failed: $st"
	jget "$st" 'r["error"]' | grep -q 'corrupt' || fail "$bad: reason should say corrupt: $st"
done
[ "$(jget "$(ctl --json status "$job")" 'r["state"] + str(r["open"])')" = done50 ] || fail "the good job was lost"
j2=$(ctl submit 198.18.1.1-198.18.1.254 -p 22 -r 20000 --cooldown 0 --wait -o /dev/null 2>/dev/null) || fail "new job after garbage"
scand_stop
echo "garbage state files: marked failed, others served"

# 3. disk full
mkdir -p "$T/small" && mount -t tmpfs -o size=200k tmpfs "$T/small" || fail "cannot mount tmpfs"
sed -i "s|^state_dir = .*|state_dir = $T/small/state|" "$T/scand.conf"
scand_start "$T/scand.conf"
# [daemon] min_free_mb (512 by default): a submit is refused, saying how much is free
out=$(ctl submit "$TARGETS" -p 22 2>&1) && fail "submit with 0 MB free was accepted"
echo "$out" | grep -q "only 0 MB free under $T/small/state (\[daemon\] min_free_mb = 512)" ||
	fail "min_free_mb refusal unclear: $out"
hb=$(ctl --json heartbeat)
[ "$(jget "$hb" 'r["state_dir"]["free_bytes"] <= 200 * 1024 and r["state_dir"]["used_bytes"] >= 0')" = True ] ||
	fail "heartbeat lacks state_dir bytes: $hb"
scand_stop
sed -i 's/^\[daemon\]$/&\nmin_free_mb = 0/' "$T/scand.conf" # then a job fills the disk
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-60 -r 50000 --cooldown 1) || fail "submit on small disk"
WAIT_S=60 wait_state "$job" held
st=$(ctl --json status "$job")
err=$(jget "$st" 'r["error"]')
echo "$err" | grep -q 'No space left on device' || fail "disk-full reason unclear: $err"
[ "$(jget "$st" 'r["held_reason"]')" = disk ] || fail "held, but not for the disk: $st"
[ "$(jget "$(ctl --json heartbeat)" 'r["ok"]')" = True ] || fail "daemon stopped serving on a full disk"
scand_stop
echo "disk full: $err"
echo PASS
