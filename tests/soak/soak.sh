#!/usr/bin/env bash
# Soak test (issue 18): scand built with ASan+UBSan runs for SOAK_SECONDS
# (default 600) on the netns testbed under a mixed load (soak.py): jobs
# submitted, finished, cancelled and deleted continuously on an af_packet and
# an af_xdp NIC, 50 polling clients, event and result subscribers, SIGHUP
# every minute with a changing blocklist, kill -9 and restart, a NIC's veth
# deleted and re-added, retention deleting all the time. Fails on a sample
# beyond its bound, a result that differs from ground truth, or a sanitizer
# report. Usage: sudo tests/soak/soak.sh   (SOAK_SECONDS=N, SOAK_SEED=N,
# SOAK_OUT=DIR keeps samples.csv and the log, KEEP_TMP=1 keeps everything)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$HERE/../.." && pwd)}
SOAK_SECONDS=${SOAK_SECONDS:-600}
RETAIN_JOBS=8
# the range SIGHUP blocks and unblocks (inside the targets, 198.18.1.0/24)
TOGGLE=198.18.1.160/28
PORTS=300 # jobs scan ports 1..PORTS (soaklib/jobs.py PORT_MAX)

. "$SRCDIR/tests/integration/testbed.sh"

# An ASan+UBSan scand: $SCAND when it is one (meson test in build-asan),
# else the tree's build-asan (configured and built when needed).
is_asan() { nm -D "$1" 2>/dev/null | grep -q ' U __asan_init'; }
find_asan() {
	if [ -n "${SCAND:-}" ] && is_asan "$SCAND"; then
		return 0
	fi
	local dir=${SOAK_BUILD:-$SRCDIR/build-asan}
	echo "soak: building scand with ASan+UBSan in $dir"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$SRCDIR" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
			{ echo "FAIL: meson setup $dir"; exit 1; }
	fi
	ninja -C "$dir" >/dev/null || { echo "FAIL: ninja -C $dir"; exit 1; }
	SCAND=$dir/daemon/scand SCANCTL=$dir/ctl/scanctl
	is_asan "$SCAND" || { echo "FAIL: $SCAND is not built with ASan (meson configure $dir -Db_sanitize=address,undefined)"; exit 1; }
}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: the soak needs root (network namespaces)"; exit 77; }
find_asan
export SCAND SCANCTL SRCDIR
. "$SRCDIR/tests/integration/lib.sh"

lib_setup
cleanup() {
	[ -n "${SOAK_OUT:-}" ] && mkdir -p "$SOAK_OUT" && cp "$T/samples.csv" "$T/run.json" "$T/scand.log" "$T/soak.log" "$SOAK_OUT/" 2>/dev/null
	[ -f "$T/scand.pid" ] && kill -KILL "$(cat "$T/scand.pid")" 2>/dev/null
	lib_cleanup
}
trap cleanup EXIT INT TERM
testbed_link "$SCAN_NS" sc1 tg1 198.18.101 101 >>"$T/testbed.log" 2>&1 || fail "second veth (sc1)"
make_truth 500 "$(seq -s, 1 "$PORTS")" "$T/truth"
python3 - "$T/truth" "$TOGGLE" <<'PY' || fail "no open port in the toggle range: rerun"
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[2])
sys.exit(0 if any(ipaddress.ip_address(l.split(":")[0]) in net for l in open(sys.argv[1])) else 1)
PY

# max_clients: 50 pollers, the subscribers of the running jobs' results,
# scanctl and the sampler; all from root, so the per-uid cap is as high.
DAEMON_EXTRA="max_clients = 128
max_clients_per_uid = 128
retain_jobs = $RETAIN_JOBS
min_free_mb = 64" scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = af_packet\n[nic "sc1"]\nengine = af_xdp\nsource_ip = 198.18.101.100\n')"

python3 "$HERE/soak.py" --tmp "$T" --scan-ns "$SCAN_NS" --target-ns "$TARGET_NS" \
	--srcdir "$SRCDIR" --scand "$SCAND" --scanctl "$SCANCTL" --truth "$T/truth" \
	--toggle "$TOGGLE" --config "$T/scand.conf" --csv "$T/samples.csv" \
	--seconds "$SOAK_SECONDS" --retain-jobs "$RETAIN_JOBS" ${SOAK_SEED:+--seed "$SOAK_SEED"} 2>&1 |
	tee "$T/soak.log"
rc=${PIPESTATUS[0]}
exit "$rc"
