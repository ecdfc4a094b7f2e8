#!/usr/bin/env bash
# Driving a scand on another host over SSH, with no network code of scand's
# own: our own sshd (throwaway host key and client key pair) listening on
# loopback inside a network namespace this test creates; (1) `ssh host
# scanctl --json ...`, (2) the control socket forwarded with `ssh -L
# LOCAL.sock:REMOTE.sock` and scanctl --socket LOCAL.sock: submit --wait,
# results --follow, exact ground truth.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
need_sshd
lib_setup
SSH_NS=scand-ssh-$$
EXTRA_NS="${EXTRA_NS:-} $SSH_NS"
SSH_PIDS=()
# the clients, then every process left in our namespace (sshd sessions)
ssh_cleanup() {
	for p in "${SSH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SSH_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns pids "$SSH_NS" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.2
	ip netns pids "$SSH_NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	lib_cleanup
}
trap ssh_cleanup EXIT
ip netns add "$SSH_NS" || fail "netns $SSH_NS"
ip -n "$SSH_NS" link set lo up
scand_config "$T/scand.conf"
scand_start "$T/scand.conf"
make_truth 30 22,80 "$T/truth"

ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" -C scand-test-host || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$T/id" -C scand-test-client || fail "client key"
cp "$T/id.pub" "$T/authorized_keys"
echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
cat >"$T/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port 2222
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
StreamLocalBindUnlink yes
CFG
mkdir -p /run/sshd
ip netns exec "$SSH_NS" "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSH_PIDS+=($!)
S() { ip netns exec "$SSH_NS" ssh -F /dev/null -i "$T/id" -o UserKnownHostsFile="$T/known_hosts" \
	-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 -p 2222 "$@"; }
for _ in $(seq 50); do S root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

# (1) scanctl on the remote host, JSON back over ssh
hb=$(S root@127.0.0.1 "$SCANCTL" --socket "$T/control.sock" --json heartbeat) || { cat "$T/sshd.log"; fail "ssh host scanctl heartbeat"; }
[ "$(jget "$hb" 'r["ok"]')" = True ] || fail "heartbeat over ssh: $hb"
job=$(S root@127.0.0.1 "$SCANCTL" --socket "$T/control.sock" submit 198.18.1.1-198.18.1.254 -p 22,80 -r 2000 --key ssh-1) ||
	fail "submit over ssh"
S root@127.0.0.1 "$SCANCTL" --socket "$T/control.sock" watch "$job" >/dev/null 2>&1 || fail "watch over ssh"
S root@127.0.0.1 "$SCANCTL" --socket "$T/control.sock" results "$job" >"$T/r1.ndjson" || fail "results over ssh"
check_results "$T/r1.ndjson" "$T/truth" "$(probes 22,80)" || fail "results over ssh are not the truth"

# (2) the control socket forwarded to a local socket
S -N -o ExitOnForwardFailure=yes -L "$T/fwd.sock:$T/control.sock" root@127.0.0.1 2>"$T/fwd.log" &
SSH_PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/fwd.sock" ] && break; sleep 0.1; done
[ -S "$T/fwd.sock" ] || fail "forwarded socket did not appear: $(cat "$T/fwd.log")"
F() { "$SCANCTL" --socket "$T/fwd.sock" "$@"; }
[ "$(F --json heartbeat | jget "$(cat)" 'r["ok"]')" = True ] || fail "heartbeat through the forward"
job2=$(F submit 198.18.1.1-198.18.1.254 -p 22,80 -r 1000 --seed 9) || fail "submit through the forward"
F results "$job2" --follow -o "$T/r2.ndjson" 2>"$T/follow.err" || fail "results --follow through the forward: $(cat "$T/follow.err")"
check_results "$T/r2.ndjson" "$T/truth" "$(probes 22,80)" || fail "followed results through the forward are not the truth"
[ "$(F --json status "$job2" | jget "$(cat)" 'r["state"]')" = done ] || fail "job2 not done"
echo "ssh host scanctl and ssh -L: $(wc -l <"$T/r1.ndjson") + $(wc -l <"$T/r2.ndjson") rows, exact"
echo PASS
