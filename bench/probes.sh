#!/usr/bin/env bash
# Send rate of each probe module: scand on a veth pair whose peer drops
# everything in XDP (bench/xdp.sh section 1), one queue, rate unlimited; sc0's
# TX counter over 2 s after 1.5 s of warm-up, and the worker thread's CPU ns
# per packet over the same window (less sensitive to other load than pps).
# Cases (frame sizes for IPv4 / IPv6):
#   syn-linux     tcp_syn, Linux options (74 B): the frames scand sent before
#                 modules existed, 198.18.0.0/16 x 1-1000
#   syn-smallest  tcp_syn, smallest-probes (58 B, the default), same space
#   udp-32        udp, one 32-byte text payload (74 B), same space
#   udp-default   udp, the shipped default set on its 6 ports (DNS 30 B ...
#                 SSDP 94 B), 2001:db8:1::/108 x 6 ports (IPv6: the IPv4
#                 space allowed here is too small for 3.5 s of sending)
#   icmp6         icmp_echo over 2001:db8:1::/104 (70 B)
#   syn6          tcp_syn smallest-probes over 2001:db8:1::/112 x 1-1000 (78 B)
# Usage: sudo bench/probes.sh [BUILD_DIR]   (default build)
# env: RUNS (default 3), ENGINES (default "af_xdp af_packet"), CASES (default
#      all), BEFORE=DIR: an older build (e.g. a copy of build/ from before the
#      probe modules) whose syn-linux case (its default probe) runs alternately
#      with this build's, for a before/after comparison.
set -u
cd "$(dirname "$0")/.."
B=$(realpath "${1:-build}")
RUNS=${RUNS:-3}
ENGINES=${ENGINES:-af_xdp af_packet}
CASES=${CASES:-syn-linux syn-smallest udp-32 udp-default icmp6 syn6}
export SRCDIR=$PWD SCAND=$B/daemon/scand SCANCTL=$B/ctl/scanctl
. tests/integration/testbed.sh
. tests/integration/lib.sh
. bench/lib.sh
bench_need "$SCAND" "$SCANCTL" "$B/engines/xdp_drop.bpf.o"
[ -z "${BEFORE:-}" ] || bench_need "$BEFORE/daemon/scand" "$BEFORE/engines/scand_xdp.bpf.o"
bench_setup

# case NAME -> "TARGET|submit args"
case_args() {
	case $1 in
	syn-linux) echo "198.18.0.0/16|-p 1-1000 --probe tcp_syn --probe-args linux" ;;
	syn-smallest) echo "198.18.0.0/16|-p 1-1000 --probe tcp_syn" ;;
	udp-32) echo "198.18.0.0/16|-p 1-1000 --probe udp --probe-args text:0123456789abcdef0123456789abcdef" ;;
	udp-default) echo "2001:db8:1::/108|-p 53,123,161,137,1900,11211 --probe udp" ;;
	icmp6) echo "2001:db8:1::/104|--probe icmp_echo" ;;
	syn6) echo "2001:db8:1::/112|-p 1-1000 --probe tcp_syn" ;;
	before) echo "198.18.0.0/16|-p 1-1000" ;; # the older build's default: the Linux options
	*) fail "unknown case $1" ;;
	esac
}

# measure SCAND ENGINE CASE -> "pps ns/pkt cpu%"
measure() {
	local scand=$1 engine=$2 spec tg args
	spec=$(case_args "$3")
	tg=${spec%%|*} args=${spec#*|}
	scand_config "$T/scand.conf" "$(printf '[nic "sc0"]\nengine = %s\nqueues = 1\nsource_ip = 2001:db8::100\n' "$engine")"
	[ "$3" = before ] || sed -i "s|^\[scan\]|[scan]\nudp_payloads = $SRCDIR/config/udp-payloads.conf|" "$T/scand.conf"
	rm -rf "$T/state"
	SCAND=$scand scand_start "$T/scand.conf"
	bench_track "$SCAND_PID"
	local gw job r tids
	gw=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
	# shellcheck disable=SC2086
	job=$(ctl submit "$tg" $args -r 1000000000 --no-adaptive --cooldown 0 --gateway-mac "$gw") ||
		fail "$3: submit failed"
	tids=$(worker_tids) || exit 1
	r=$(window 1.5 $tids)
	ctl cancel "$job" >/dev/null
	scand_stop
	echo "$r"
}

bench_machine
ip -n "$TARGET_NS" link set tg0 xdp obj "$B/engines/xdp_drop.bpf.o" sec xdp || fail "cannot attach xdp_drop to tg0"
for run in $(seq "$RUNS"); do
	for engine in $ENGINES; do
		for c in $CASES; do
			echo "run $run $engine $c: $(measure "$SCAND" "$engine" "$c") (pps ns/pkt cpu%)"
			if [ "$c" = syn-linux ] && [ -n "${BEFORE:-}" ]; then
				echo "run $run $engine before: $(SCAND_XDP_OBJ=$BEFORE/engines/scand_xdp.bpf.o \
					measure "$BEFORE/daemon/scand" "$engine" before) (pps ns/pkt cpu%)"
			fi
		done
	done
done
