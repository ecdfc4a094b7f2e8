# Helpers shared by the benchmark scripts (source after tests/integration/lib.sh).

# bench_need FILE...: each must exist (built by ninja), else exit 2 naming it.
bench_need() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || { echo "${0##*/}: $f missing: build first (ninja -C ${B:-build})" >&2; exit 2; }
	done
}

# bench_machine: one line naming the machine, the date and the load.
bench_machine() {
	echo "machine: $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), kernel $(uname -r), $(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# txc: sc0's TX packet counter in the scanner namespace.
txc() { ip netns exec "$SCAN_NS" cat /sys/class/net/sc0/statistics/tx_packets; }

tcpu() { # summed CPU ns of threads (0 without any)
	local s=0 t
	for t in "$@"; do s=$((s + $(cut -d' ' -f1 "/proc/$t/schedstat" 2>/dev/null || echo 0))); done
	echo $s
}
# window WARMUP [TID...] -> "pps cpu_ns_per_packet cpu%": sc0's TX counter over 2 s
# after the warm-up; with TIDs their CPU time per packet and mean CPU share ("-" without)
window() {
	local warm=$1; shift
	sleep "$warm"
	local a=$(txc) c0=$(tcpu "$@") t0=$(date +%s.%N)
	sleep 2
	local b=$(txc) c1=$(tcpu "$@") t1=$(date +%s.%N)
	python3 -c "import sys; p, c, dt, n = $b - $a, $c1 - $c0, $t1 - $t0, $#
print(round(p / dt), f'{c / max(p, 1):.0f}' if n else '-', f'{c / dt / n / 1e7:.0f}' if n else '-')"
}
# worker_tids: TIDs of the running scand's queue workers on sc0 (threads named
# w-sc0-Q by worker.c); fails when there are none, so a rename is noticed.
worker_tids() {
	local t
	t=$(grep -l '^w-sc0-' /proc/"$SCAND_PID"/task/*/comm 2>/dev/null | awk -F/ '{print $5}')
	[ -n "$t" ] || fail "no scand queue worker threads named w-sc0-* (renamed? update worker_tids in bench/lib.sh)"
	echo "$t"
}

# bench_setup [CLEANUP]: lib_setup, then traps that run CLEANUP (default
# bench_cleanup) at exit, and exit after it on INT/TERM. scand and the senders
# are started inside $(...) subshells, whose SCAND_PID lib_cleanup never sees:
# bench_track records them for bench_cleanup.
bench_setup() {
	lib_setup
	trap "${1:-bench_cleanup}" EXIT
	trap "${1:-bench_cleanup}; exit 130" INT TERM
}

# bench_track PID [COMM]: a process to stop at exit if it still runs as COMM
# (default: its name now; give it when the process has yet to exec).
bench_track() { echo "$1 ${2:-$(cat /proc/"$1"/comm 2>/dev/null)}" >>"$T/bench.pids"; }

bench_cleanup() {
	local pid comm alive=0
	if [ -f "$T/bench.pids" ]; then
		while read -r pid comm; do
			# only the process recorded, not a later one that reused its id
			[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$comm" ] || continue
			kill -TERM "$pid" 2>/dev/null && alive=1
		done <"$T/bench.pids"
	fi
	[ $alive = 1 ] && sleep 1
	lib_cleanup
}
