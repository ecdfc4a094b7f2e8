#!/usr/bin/env bash
# Send-rate benchmark on one veth pair, all tools in the same run: scand
# (af_xdp, then af_packet) vs zmap and masscan (Debian packages). Each tool
# scans a large space at an unlimited rate; the sender's TX counter (sc0) is
# sampled over a 2 s window after a 1.5 s warm-up, then the tool is stopped.
# Peer modes: "drop" (tg0 drops everything in XDP: the sender alone is
# measured) and "kernel" (the target's kernel answers every probe with RST).
# Usage: sudo bench/xdp.sh [BUILD_DIR]   (default build)
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
[ -x "$SCAND" ] && [ -f "$B/engines/xdp_drop.bpf.o" ] || { echo "build first: ninja -C $B" >&2; exit 2; }
. tests/integration/testbed.sh
. tests/integration/lib.sh
lib_setup
: >"$T/empty"
gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')

txc() { ip netns exec "$SCAN_NS" cat /sys/class/net/sc0/statistics/tx_packets; }
# window: samples sc0's TX counter over 2 s after 1.5 s of warm-up -> pps
window() {
	sleep 1.5
	local a=$(txc) t0=$(date +%s.%N)
	sleep 2
	local b=$(txc) t1=$(date +%s.%N)
	python3 -c "print(round(($b - $a) / ($t1 - $t0)))"
}
top_cpu() { # busiest thread of a pid, % (one sample)
	top -b -H -n 1 -d 0.5 -p "$1" 2>/dev/null | awk 'NR>7 {print $9; exit}'
}

run_scand() { # engine target ports
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$1"$'\nqueues = 1'
	scand_start "$T/scand.conf"
	local job=$(ctl submit "$2" -p "$3" -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$gw")
	local s0=$(jget "$(ctl --json status "$job")" 'r["sent"]') pps=$(window) cpu=$(top_cpu "$SCAND_PID")
	ctl cancel "$job" >/dev/null
	local st=$(ctl --json status "$job")
	echo "scand $1: own counters $(jget "$st" 'r["sent"]') probes sent, $(jget "$st" 'round(r["tx_rate_pps"])') pps over the job; sc0 counter window $pps pps" >&2
	scand_stop
	echo "$pps ${cpu:-?}"
}
run_zmap() { # target port
	ip netns exec "$SCAN_NS" zmap -q -i sc0 -p "$2" -S 198.18.0.100 -G "$gw" -b "$T/empty" \
		-B 10G -c 0 -P 200 -o /dev/null "$1" >/dev/null 2>&1 &
	local p=$! pps=$(window) cpu=$(top_cpu $!)
	kill $p 2>/dev/null; wait $p 2>/dev/null
	echo "$pps ${cpu:-?}"
}
run_masscan() { # target ports
	ip netns exec "$SCAN_NS" masscan "$1" -p"$2" --rate 100000000 --adapter sc0 \
		--adapter-ip 198.18.0.100 --router-mac "${gw//:/-}" --wait 0 >/dev/null 2>&1 &
	local p=$! pps=$(window) cpu=$(top_cpu $!)
	kill $p 2>/dev/null; wait $p 2>/dev/null
	echo "$pps ${cpu:-?}"
}

bench() { # label target scand_ports zmap_port masscan_ports
	local x=$(run_scand af_xdp "$2" "$3") p=$(run_scand af_packet "$2" "$3")
	local z=$(run_zmap "$2" "$4") m=$(run_masscan "$2" "$5")
	python3 - "$1" $x $p $z $m <<'PY'
import sys
label, x, xc, p, pc, z, zc, m, mc = sys.argv[1:]
x, p, z, m = map(int, (x, p, z, m))
print(f"{label}: scand af_xdp {x:,} pps (busiest thread {xc}%), scand af_packet {p:,} pps ({pc}%), "
      f"zmap {z:,} pps ({zc}%), masscan {m:,} pps ({mc}%)")
print(f"{label}: ratio af_xdp/zmap {x / max(z, 1):.2f}x, af_xdp/masscan {x / max(m, 1):.2f}x, "
      f"af_packet/zmap {p / max(z, 1):.2f}x")
PY
}

echo "machine: $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p'), kernel $(uname -r), $(date -u +%F)"
ip -n "$TARGET_NS" link set tg0 xdp obj "$B/engines/xdp_drop.bpf.o" sec xdp || exit 1
bench "peer drops in XDP" 198.18.0.0/16 1-1000 80 1-1000
ip -n "$TARGET_NS" link set tg0 xdp off
# the target's kernel answers for a /17 (SYN-ACK or RST for every probe)
ip -n "$TARGET_NS" route add local 198.18.128.0/17 dev lo
ip -n "$SCAN_NS" route add 198.18.128.0/17 via 198.18.0.2 dev sc0
bench "kernel answers RST" 198.18.128.0/17 1-1000 80 1-1000
