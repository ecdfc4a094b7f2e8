#!/usr/bin/env bash
# The Ansible role and fleet playbook (deploy/ansible) with the real
# ansible-core against three scand daemons, each in its own scanner
# namespace, one target: connection local, per-host socket, config path,
# state dir, netns and source address in the inventory, the .deb install and
# systemd skipped. site.yml writes each host's scand.conf (shard i/3 from
# its place in the group; validated by scand --check-config); the daemons
# start on those files; scan.yml submits the same spec and seed everywhere,
# waits, fetches and checks the shards. The merged results equal the ground
# truth; running both playbooks again changes nothing and submits nothing.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
command -v ansible-playbook >/dev/null || { echo "SKIP: ansible-playbook missing (apt-get install ansible-core; scripts/deps.sh does)"; exit 77; }
lib_setup
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; lib_cleanup' EXIT
PORTS=22,80,443,8080,8443
make_truth 50 "$PORTS" "$T/truth"
test_blocklist "$T/blocklist.conf"
for i in 1 2 3; do testbed_scanner $i || fail "testbed_scanner $i"; done

{
	echo "scanners:"
	echo "  hosts:"
	for i in 1 2 3; do
		ns=SCAN_NS_$i
		mkdir -p "$T/h$i"
		cat <<HOST
    scan$i:
      scand_netns: ${!ns}
      scand_socket: $T/h$i/control.sock
      scand_conf_path: $T/h$i/scand.conf
      scand_state_dir: $T/h$i/state
      scand_source_ip: 198.18.$((110 + i)).100
      scand_nics: [{name: sc0, engine: af_packet}]
HOST
	done
	cat <<VARS
  vars:
    ansible_connection: local
    ansible_python_interpreter: /usr/bin/python3
    ansible_become: false
    scand_install_deb: false
    scand_service: none
    scand_binary: $SCAND
    scanctl_binary: $SCANCTL
    scand_socket_group: ""
    scand_blocklist_file: $T/blocklist.conf
    scand_allow: [198.18.0.0/15]
    scand_adaptive: false
    scand_cooldown_s: 1
VARS
} >"$T/inventory.yml"
export ANSIBLE_HOME=$T/ansible ANSIBLE_LOCAL_TEMP=$T/ansible/tmp ANSIBLE_REMOTE_TEMP=$T/ansible/tmp \
	ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0
A=$SRCDIR/deploy/ansible
play() { ansible-playbook -i "$T/inventory.yml" "$@"; }
recap() { grep -E '^scan[0-9] +:' "$1"; }
# submits LOG WORD: how many hosts the Submit task reported as WORD (changed/ok)
submits() { awk '/^TASK \[/ {in_submit = /Submit/} in_submit && $1 == "'"$2"':" {n++} END {print n + 0}' "$1"; }

play "$A/site.yml" >"$T/site1.log" 2>&1 || { cat "$T/site1.log"; fail "site.yml"; }
for i in 1 2 3; do
	grep -qx "shard = $((i - 1))/3" "$T/h$i/scand.conf" || { cat "$T/h$i/scand.conf"; fail "scan$i: not shard $((i - 1))/3"; }
	ns=$(ansible-inventory -i "$T/inventory.yml" --host scan$i | jget "$(cat)" 'r["scand_netns"]')
	ip netns exec "$ns" "$SCAND" --config "$T/h$i/scand.conf" >>"$T/scand.log" 2>&1 &
	PIDS+=($!)
done
for i in 1 2 3; do
	for _ in $(seq 100); do "$SCANCTL" --socket "$T/h$i/control.sock" heartbeat >/dev/null 2>&1 && break; sleep 0.1; done
done

SPEC=$(python3 -c 'import json,sys; print(json.dumps({"scan_targets": ["198.18.1.1-198.18.1.254"], "scan_ports": sys.argv[1],
  "scan_seed": 4242, "scan_rate_pps": 3000, "scan_name": "weekly", "scan_labels": {"campaign": "t20"},
  "scan_results_dir": sys.argv[2], "scan_poll_delay": 1, "scan_expected_total": 254 * 5}))' "$PORTS" "$T/results")
play "$A/scan.yml" -e "$SPEC" >"$T/scan1.log" 2>&1 || { cat "$T/scan1.log"; fail "scan.yml"; }
grep -A3 "Fleet summary" "$T/scan1.log" | grep -o '"3 hosts.*' | head -1
check_results "$T/results/all.ndjson" "$T/truth" "$(probes $PORTS)" || fail "merged results are not the ground truth"
[ "$(submits "$T/scan1.log" changed)" = 3 ] || fail "first run: every host should submit a job"

# again: nothing new anywhere
cp "$T/results/all.ndjson" "$T/all.first"
play "$A/scan.yml" -e "$SPEC" >"$T/scan2.log" 2>&1 || { cat "$T/scan2.log"; fail "scan.yml again"; }
[ "$(submits "$T/scan2.log" ok)" = 3 ] || fail "re-run: the submits should all be ok (nothing new)"
recap "$T/scan2.log" | grep -v 'changed=0 ' && fail "re-run changed something: $(recap "$T/scan2.log")"
for i in 1 2 3; do
	n=$("$SCANCTL" --socket "$T/h$i/control.sock" --json jobs | jget "$(cat)" 'len(r["jobs"])')
	[ "$n" = 1 ] || fail "scan$i has $n jobs after two runs"
done
cmp -s <(sort "$T/all.first") <(sort "$T/results/all.ndjson") || fail "the re-run fetched other results"
play "$A/site.yml" >"$T/site2.log" 2>&1 || { cat "$T/site2.log"; fail "site.yml again"; }
recap "$T/site2.log" | grep -v 'changed=0 ' && fail "site.yml is not idempotent: $(recap "$T/site2.log")"
echo PASS
