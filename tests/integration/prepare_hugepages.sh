#!/usr/bin/env bash
# scand --prepare on the real kernel: [dpdk] hugepages = 2M:N reserves 2 MiB
# pages through sysfs and mounts a hugetlbfs (reusing one that is mounted);
# the dpdk engine then runs on those pages (not --no-huge: EAL gets
# --huge-dir) and scans the netns testbed through net_af_packet with exact
# ground truth; daemon.info shows what preparation did; --undo releases the
# pages and the mount. The machine's previous values are restored in a trap.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
"$SCAND" --version | grep -q dpdk || { echo "SKIP: scand built without DPDK (apt-get install libdpdk-dev)"; exit 77; }
need_root
HP=/sys/kernel/mm/hugepages/hugepages-2048kB
[ -w "$HP/nr_hugepages" ] || { echo "SKIP: no 2 MiB hugepages on this kernel ($HP)"; exit 77; }

PREV_NR=$(cat "$HP/nr_hugepages")
PREV_MOUNTS=$(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
PREV_DIR=$([ -d /dev/hugepages ] && echo yes || echo no)
restore() {
	[ -n "${T:-}" ] && [ -f "$T/scand.conf" ] && "$SCAND" --prepare --undo --config "$T/scand.conf" >/dev/null 2>&1
	scand_stop
	for m in $(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts); do
		echo "$PREV_MOUNTS" | grep -qxF "$m" || umount "$m"
	done
	[ "$PREV_DIR" = no ] && [ -d /dev/hugepages ] && rmdir /dev/hugepages 2>/dev/null
	echo "$PREV_NR" >"$HP/nr_hugepages"
	lib_cleanup
}
lib_setup
trap restore EXIT INT TERM

WANT=$((PREV_NR + 64))
GW=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
scand_config "$T/scand.conf" "$(cat <<NICS
[dpdk]
eal_args = --in-memory --no-pci -m 64
hugepages = 2M:$WANT
[nic "sc0"]
engine = dpdk
dpdk_port = net_af_packet0,iface=sc0
gateway_mac = $GW
NICS
)"
"$SCAND" --check-config --config "$T/scand.conf" || fail "--check-config rejected [dpdk] hugepages"

# dry run: says what it would do, changes nothing
out=$("$SCAND" --prepare --dry-run --config "$T/scand.conf") || fail "--prepare --dry-run failed: $out"
echo "$out"
echo "$out" | grep -qF "would run: echo $WANT > $HP/nr_hugepages" || fail "dry run does not show the sysfs write"
[ "$(cat "$HP/nr_hugepages")" = "$PREV_NR" ] || fail "--dry-run changed nr_hugepages"
[ -f "$T/state/prepare.json" ] && fail "--dry-run wrote a record"

# prepare: the host namespace (ip netns exec would hide the mount in its own mount namespace)
out=$("$SCAND" --prepare --config "$T/scand.conf") || fail "--prepare failed: $out"
echo "$out"
[ "$(cat "$HP/nr_hugepages")" -ge "$WANT" ] || fail "nr_hugepages is $(cat "$HP/nr_hugepages"), wanted $WANT"
DIR=$(awk '$3 == "hugetlbfs" && ($4 ~ /pagesize=2M/ || $4 !~ /pagesize=/) {print $2; exit}' /proc/mounts)
[ -n "$DIR" ] || fail "no 2 MiB hugetlbfs mounted after --prepare: $(grep hugetlbfs /proc/mounts)"
if [ -z "$PREV_MOUNTS" ]; then
	echo "$out" | grep -qF "run: mount -t hugetlbfs -o pagesize=2M nodev $DIR" || fail "mount not reported"
else
	echo "$out" | grep -qF "hugetlbfs for 2M pages: $DIR" || fail "existing mount not reused"
fi
out2=$("$SCAND" --prepare --config "$T/scand.conf") || fail "second --prepare failed: $out2"
echo "$out2" | grep -q "0 changes made, 0 problems" || fail "--prepare is not idempotent: $out2"

# the dpdk engine on those pages: EAL gets --huge-dir, takes pages, scans exactly
FREE0=$(cat "$HP/free_hugepages")
scand_start "$T/scand.conf"
grep -qF "dpdk: EAL uses the 2M hugepages in $DIR (--huge-dir)" "$T/scand.log" || fail "EAL was not given --huge-dir $DIR"
FREE1=$(cat "$HP/free_hugepages")
[ "$FREE1" -lt "$FREE0" ] || fail "EAL took no hugepages (free $FREE0 -> $FREE1)"
echo "EAL took $((FREE0 - FREE1)) hugepages"
info=$(ctl --json info)
[ "$(jget "$info" "r['nics'][0]['state']")" = up ] || fail "sc0 not up: $info"
# the last --prepare changed nothing; its report still says what scand had done
jget "$info" "r['nics'][0]['preparation']['found']" | grep -qF "hugepages 2M on host: $WANT reserved ($WANT wanted; scand --prepare raised it from $PREV_NR)" ||
	fail "daemon.info preparation lacks the reservation: $(jget "$info" "r['nics'][0]['preparation']")"
jget "$info" "r['nics'][0]['preparation']['found']" | grep -qF "dpdk_port net_af_packet0,iface=sc0 is a virtual device" ||
	fail "daemon.info preparation lacks the port: $(jget "$info" "r['nics'][0]['preparation']")"
PORTS=22,80,443,8080,8443
make_truth 40 "$PORTS" "$T/truth"
ctl submit 198.18.1.1-198.18.1.254 -p "$PORTS" -i sc0 -r 20000 --seed 5 --wait -o "$T/results.ndjson" \
	2>"$T/progress" || fail "scan on hugepages failed: $(cat "$T/progress")"
check_results "$T/results.ndjson" "$T/truth" $((254 * 5)) || fail "results differ from ground truth"
scand_stop
[ "$SCAND_EXIT" -eq 0 ] || fail "scand exited $SCAND_EXIT"

# undo: pages and mount given back
out=$("$SCAND" --prepare --undo --config "$T/scand.conf") || fail "--undo failed: $out"
echo "$out"
[ "$(cat "$HP/nr_hugepages")" = "$PREV_NR" ] || fail "--undo left nr_hugepages at $(cat "$HP/nr_hugepages") (was $PREV_NR)"
if [ -z "$PREV_MOUNTS" ]; then
	grep -q hugetlbfs /proc/mounts && fail "--undo left a hugetlbfs mounted: $(grep hugetlbfs /proc/mounts)"
	[ "$PREV_DIR" = no ] && [ -d /dev/hugepages ] && fail "--undo left the /dev/hugepages it created"
fi
[ -f "$T/state/prepare.json" ] && fail "--undo left its record behind"
echo "PASS"
