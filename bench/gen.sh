#!/bin/sh
# Probe generation benchmark with zmap --dryrun as the anchor, measured in the
# same run on the same target space. Builds nothing.
# usage: bench/gen.sh [PATH_TO_BENCH_GEN]   (default build/bench/bench-gen)
# env: TARGET (IPv4 CIDR, default 198.18.0.0/16), PORTS, COUNT (bench-gen
#      probes), ZMAP_P (zmap probes per host, default 100: zmap only notices
#      completion on a 1 s tick, so short runs understate it), RUNS (default 3).
set -eu

BIN=${1:-build/bench/bench-gen}
TARGET=${TARGET:-198.18.0.0/16}
PORTS=${PORTS:-21,22,25,80,110,143,443,3389,8080,8443}
COUNT=${COUNT:-20000000}
ZMAP_P=${ZMAP_P:-100}
RUNS=${RUNS:-3}

if [ ! -x "$BIN" ]; then
	echo "gen.sh: $BIN not found: build it first (ninja -C build bench/bench-gen) or pass its path" >&2
	exit 2
fi
case $TARGET in */*) ;; *) TARGET=$TARGET/32 ;; esac
HOSTS=$(( 1 << (32 - ${TARGET#*/}) ))

now() { date +%s.%N; }
# CPU seconds (user sys) of a command into $TF when GNU time exists.
timed() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$TF" -f '%U %S' "$@"
	else
		echo "nan nan" >"$TF"
		"$@"
	fi
}
best() { sort -g | tail -n 1; } # highest rate of the runs

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(uname -r)"
echo "target space: $TARGET x ports $PORTS (bench-gen), $TARGET x -P $ZMAP_P (zmap)"

ours=""
for i in $(seq "$RUNS"); do
	line=$("$BIN" -t "$TARGET" -p "$PORTS" -n "$COUNT" -s "$i")
	echo "  $line"
	ours="$ours$(echo "$line" | sed -n 's/.*probes_per_sec=\([0-9.]*\).*/\1/p')
"
done
OURS=$(printf '%s' "$ours" | best)

if ! command -v zmap >/dev/null 2>&1; then
	echo "bench-gen: $OURS probes/s; zmap is not installed, no anchor (apt-get install zmap)"
	exit 1
fi
BL=$(mktemp)
TF=$(mktemp)
trap 'rm -f "$BL" "$TF"' EXIT
# zmap's default blocklist covers 198.18.0.0/15: give it an empty one. --dryrun
# sends nothing; -c 0: no cooldown; -B 10G: no practical rate limit.
ZPROBES=$(( HOSTS * ZMAP_P ))
zw="" ; zc=""
for i in $(seq "$RUNS"); do
	t0=$(now)
	timed zmap -q --dryrun -p 80 -P "$ZMAP_P" -B 10G -c 0 \
		-b "$BL" -i lo --source-ip=198.18.0.100 --gateway-mac=02:00:00:00:00:02 \
		--seed="$i" "$TARGET" >/dev/null 2>"$TF.err" ||
		{ echo "gen.sh: zmap failed (run as root?):"; cat "$TF.err"; rm -f "$TF.err"; exit 1; } >&2
	rm -f "$TF.err"
	t1=$(now)
	cpu=$(tail -n 1 "$TF")
	w=$(awk -v a="$t0" -v b="$t1" -v n="$ZPROBES" 'BEGIN { printf "%.0f", n / (b - a) }')
	c=$(echo "$cpu" | awk -v n="$ZPROBES" '{ printf "%.0f", n / ($1 + $2) }')
	echo "  zmap: probes=$ZPROBES wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}') cpu_s=$(echo "$cpu" | awk '{print $1 + $2}') wall_rate=$w cpu_rate=$c"
	zw="$zw$w
"
	zc="$zc$c
"
done
ZW=$(printf '%s' "$zw" | best)
ZC=$(printf '%s' "$zc" | best)
awk -v o="$OURS" -v w="$ZW" -v c="$ZC" 'BEGIN {
	printf "bench-gen:  %.2f Mprobes/s (single core, best of runs)\n", o / 1e6
	printf "zmap wall:  %.3f Mprobes/s (best of runs)\n", w / 1e6
	printf "zmap cpu:   %.3f Mprobes/s (probes / user+sys time, favours zmap)\n", c / 1e6
	printf "ratio:      %.1fx vs zmap wall, %.1fx vs zmap cpu (target >= 10x)\n", o / w, o / c
}'
