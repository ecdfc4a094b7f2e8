#!/usr/bin/env bash
# Runs the bad-input catalogue (bad_input.py, > 80 cases) against a live scand
# while a job runs; every case must get the exact JSON-RPC error and the daemon
# must keep answering and scanning.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
job=$(ctl submit 198.18.1.1-198.18.1.254 -p 1-200 -r 2000) || fail submit
wait_state "$job" running
python3 "$(dirname "$0")/bad_input.py" "$T/control.sock" "$job" || fail "bad-input catalogue"
ctl cancel "$job" >/dev/null
ctl cancel "$job" >/dev/null || fail "cancel twice should succeed"
echo PASS
