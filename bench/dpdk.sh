#!/usr/bin/env bash
# Generation + TX through the whole daemon into DPDK's net_null vdev, vs the
# null engine (same daemon, no DPDK) and zmap --dryrun, in the same run. scand
# scans 198.18.0.0/15 x 1000 ports at an unlimited rate with one queue; the
# port's own TX counter (telemetry tx_packets) is sampled over 2 s after 1.5 s
# of warm-up. No packet leaves the process (net_null and null discard them).
# Usage: sudo bench/dpdk.sh [BUILD_DIR]   (default build); RUNS (default 3)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
RUNS=${RUNS:-3}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
"$SCAND" --version | grep -q dpdk || { echo "scand in $B was built without DPDK" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
lib_setup
PORTS=1-1000

tx() { jget "$(ctl --json telemetry)" 'r["nics"][0]["tx_packets"]'; }
window() { # pps of the NIC's TX counter over 2 s after 1.5 s
	sleep 1.5
	local a=$(tx) t0=$(date +%s.%N)
	sleep 2
	local b=$(tx) t1=$(date +%s.%N)
	python3 -c "print(round(($b - $a) / ($t1 - $t0)))"
}

run_scand() { # NIC section -> pps
	rm -rf "$T/state"
	scand_config "$T/scand.conf" "$1"
	scand_start "$T/scand.conf"
	local job=$(ctl submit 198.18.0.0/15 -p "$PORTS" -r 1000000000 --no-adaptive --cooldown 0 \
		--gateway-mac 02:00:00:00:00:02)
	local pps=$(window)
	ctl cancel "$job" >/dev/null
	scand_stop
	echo "$pps"
}

run_zmap() { # pps of zmap --dryrun (wall time over 6.5 M probes)
	: >"$T/empty"
	local t0=$(date +%s.%N)
	zmap -q --dryrun -p 80 -P 100 -B 10G -c 0 -b "$T/empty" -i lo --source-ip=198.18.0.100 \
		--gateway-mac=02:00:00:00:00:02 198.18.0.0/16 >/dev/null 2>"$T/zmap.err" ||
		{ cat "$T/zmap.err" >&2; echo 0; return; }
	python3 -c "print(round(65536 * 100 / ($(date +%s.%N) - $t0)))"
}

DPDK=$'[dpdk]\neal_args = --no-huge --in-memory --no-pci -m 256\n[nic "d0"]\nengine = dpdk\ndpdk_port = net_null0,no-rx=1\nqueues = 1'
NULL=$'[nic "n0"]\nengine = null\nqueues = 1'
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(uname -r), $(date -u +%F)"
for i in $(seq "$RUNS"); do
	d=$(run_scand "$DPDK") n=$(run_scand "$NULL") z=$(run_zmap)
	python3 - "$i" "$d" "$n" "$z" <<'PY'
import sys
i, d, n, z = sys.argv[1], *map(int, sys.argv[2:])
print(f"run {i}: scand dpdk net_null {d / 1e6:.2f} Mpps, scand null engine {n / 1e6:.2f} Mpps, "
      f"zmap --dryrun {z / 1e6:.3f} Mpps; dpdk/null {d / max(n, 1):.2f}, dpdk/zmap {d / max(z, 1):.1f}x")
PY
done
