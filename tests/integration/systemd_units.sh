#!/usr/bin/env bash
# systemd units: meson install into a DESTDIR puts the units, sysusers and
# tmpfiles entries where systemd looks, and `systemd-analyze verify` accepts
# them (any error fails the test); the sysusers/tmpfiles files apply. Then
# (root) scand runs as the unit runs it -- an unprivileged uid with exactly
# the unit's AmbientCapabilities/CapabilityBoundingSet, NoNewPrivileges and
# LimitMEMLOCK -- and scans with af_packet and with af_xdp.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed (apt-get install systemd)"; exit 77; }

T=$(mktemp -d /tmp/scand-units.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
D=$T/destdir
U=$T

meson setup "$T/build" "$SRCDIR" --prefix=/usr --sysconfdir=/etc -Dfuzz=false >"$T/setup.log" 2>&1 ||
	{ tail -30 "$T/setup.log"; fail "meson setup of a /usr build failed"; }
# build only the targets whose output gets installed (not the test programs;
# configure_file outputs such as systemd/scand.service exist after setup)
installed=$(meson introspect "$T/build" --installed --targets | python3 -c '
import json, os, sys
b = sys.argv[1]
d = json.load(sys.stdin)
outputs = {f for t in d["targets"] for f in t["filename"]}
print(" ".join(os.path.relpath(k, b) for k in d["installed"] if k in outputs))' "$T/build")
ninja -C "$T/build" $installed >"$T/build.log" 2>&1 || { tail -30 "$T/build.log"; fail "build of $installed failed"; }
meson install -C "$T/build" --destdir "$D" --no-rebuild >"$T/install.log" 2>&1 ||
	{ tail -30 "$T/install.log"; fail "meson install --destdir failed"; }

unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)
for f in "$unitdir/scand.service" "$unitdir/scand.socket" /usr/lib/sysusers.d/scand.conf \
	/usr/lib/tmpfiles.d/scand.conf /usr/sbin/scand /usr/bin/scanctl /etc/scand/scand.conf \
	/etc/scand/blocklist.conf /etc/scand/udp-payloads.conf; do
	[ -f "$D$f" ] || fail "meson install did not install $f (installed: $(cd "$D" && find . -type f | tr '\n' ' '))"
done
echo "installed: units in $unitdir, sysusers, tmpfiles, binaries, config"

# verify --root needs the tools the units call (ExecReload=/bin/kill) and
# the standard units they depend on (sysinit.target ...) inside the root.
mkdir -p "$D/bin"
cp /bin/kill "$D/bin/kill"
cp -an "$unitdir/." "$D$unitdir/"

verify() { # UNIT...: any diagnostic fails (verify exits 0 on most of them)
	local rc
	systemd-analyze verify --man=no --root="$D" "$@" >"$T/verify.out" 2>&1
	rc=$?
	echo "systemd-analyze verify $*: rc $rc"
	cat "$T/verify.out"
	[ "$rc" -eq 0 ] || fail "systemd-analyze verify rejected $*"
	[ -s "$T/verify.out" ] && fail "systemd-analyze verify reported problems in $*"
	return 0
}
verify "$unitdir/scand.service" "$unitdir/scand.socket"

# A deliberately broken copy must fail verify: proves this check can fail.
sed 's/^Type=notify/Type=notifyy/' "$D$unitdir/scand.service" >"$D$unitdir/broken.service"
out=$(systemd-analyze verify --man=no --root="$D" "$unitdir/broken.service" 2>&1)
echo "$out" | grep -q "notifyy" || fail "verify did not notice a bad Type= (output: $out)"
rm -f "$D$unitdir/broken.service"

# Key settings the brief requires (a typo here would still verify).
svc=$D$unitdir/scand.service
for kv in Type=notify NotifyAccess=main WatchdogSec=30 Restart=on-failure TimeoutStopSec=10 \
	'ExecReload=/bin/kill -HUP $MAINPID' User=scand Group=scand NoNewPrivileges=yes \
	ProtectSystem=strict ProtectHome=yes PrivateTmp=yes LimitMEMLOCK=infinity \
	RuntimeDirectory=scand StateDirectory=scand ConfigurationDirectory=scand \
	'SystemCallFilter=@system-service bpf' SystemCallArchitectures=native \
	'ExecStartPre=-+/usr/sbin/scand --prepare --config /etc/scand/scand.conf' \
	'ExecStartPre=/usr/sbin/scand --check-config --config /etc/scand/scand.conf' \
	'ExecStart=/usr/sbin/scand --config /etc/scand/scand.conf'; do
	grep -qxF "$kv" "$svc" || fail "scand.service lacks $kv"
done
for c in CAP_NET_RAW CAP_NET_ADMIN CAP_BPF CAP_PERFMON CAP_IPC_LOCK CAP_SYS_NICE; do
	grep -q "^AmbientCapabilities=.*$c" "$svc" && grep -q "^CapabilityBoundingSet=.*$c" "$svc" ||
		fail "scand.service does not grant $c"
done
for kv in ListenStream=/run/scand/control.sock SocketMode=0660 SocketGroup=scand Service=scand.service; do
	grep -qxF "$kv" "$D$unitdir/scand.socket" || fail "scand.socket lacks $kv"
done

# security exposure score (offline analysis), informational
systemd-analyze security --offline=yes --root="$D" "$unitdir/scand.service" 2>/dev/null | grep -a 'Overall exposure'

# sysusers and tmpfiles parse, and create the user and the run dir in a root
if command -v systemd-sysusers >/dev/null; then
	rm -f "$D/etc/passwd" "$D/etc/group"
	systemd-sysusers --root="$D" >"$T/sysusers.log" 2>&1 || { cat "$T/sysusers.log"; fail "systemd-sysusers rejected sysusers.d/scand.conf"; }
	grep -q '^scand:x:[0-9]*:[0-9]*:scand port scanner:/var/lib/scand:' "$D/etc/passwd" ||
		fail "systemd-sysusers did not create user scand (passwd: $(cat "$D/etc/passwd"))"
	grep -q '^scand:x:' "$D/etc/group" || fail "systemd-sysusers did not create group scand"
	echo "sysusers: $(grep ^scand: "$D/etc/passwd")"
fi
if command -v systemd-tmpfiles >/dev/null; then
	systemd-tmpfiles --create --root="$D" "$D/usr/lib/tmpfiles.d/scand.conf" >"$T/tmpfiles.log" 2>&1 ||
		{ cat "$T/tmpfiles.log"; fail "systemd-tmpfiles rejected tmpfiles.d/scand.conf"; }
	st=$(stat -c '%a %U %G' "$D/run/scand" 2>/dev/null)
	uid=$(awk -F: '$1=="scand"{print $3}' "$D/etc/passwd")
	st_num=$(stat -c '%a %u' "$D/run/scand" 2>/dev/null)
	[ "$st_num" = "750 $uid" ] || fail "tmpfiles made /run/scand '$st' (want 750 owned by scand uid $uid)"
	echo "tmpfiles: /run/scand $st_num"
fi
echo "units verify clean; sysusers and tmpfiles apply"

# --- scand under the unit's identity and privileges (needs root) ---------
unit_val() { sed -n "s/^$1=//p" "$svc" | tail -1; }
amb=$(unit_val AmbientCapabilities)
bnd=$(unit_val CapabilityBoundingSet)
memlock=$(unit_val LimitMEMLOCK)
[ "$(unit_val NoNewPrivileges)" = yes ] || fail "NoNewPrivileges is not yes"
[ "$memlock" = infinity ] && memlock=unlimited
caps() { echo "$1" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -; }
amb_caps=$(caps "$amb")
bnd_caps=$(caps "$bnd")
[ -n "$amb_caps" ] || fail "no AmbientCapabilities in scand.service"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: units verified; running scand as the unit's user needs root"; exit 77; }
trap - EXIT
lib_setup
trap 'lib_cleanup; [ -n "${KEEP_TMP:-}" ] || rm -rf "$U"' EXIT
SVC_UID=64999 # stands in for the sysusers-created user
chown "$SVC_UID:$SVC_UID" "$T"
# The installed files, not the build tree: a clone in a directory only root can
# enter (a user's home, mktemp -d) is unreadable for the service's uid.
mkdir -p "$T/bin"
cp "$D/usr/sbin/scand" "$T/bin/scand"
xdp_obj=$(find "$D/usr/lib" -name scand_xdp.bpf.o | head -1)
[ -n "$xdp_obj" ] || fail "meson install did not install scand_xdp.bpf.o"
cp "$xdp_obj" "$T/bin/"
chmod 0755 "$T/bin"
SCAND=$T/bin/scand
# LimitMEMLOCK: raising the hard limit needs CAP_SYS_RESOURCE, which this
# machine's root may lack; then the default limit stays (CAP_IPC_LOCK covers it)
limit="prlimit --memlock=$memlock:$memlock"
$limit true 2>/dev/null || { echo "note: cannot raise RLIMIT_MEMLOCK here (no CAP_SYS_RESOURCE): keeping $(ulimit -l) KiB"; limit=; }
SCAND_WRAP="env SCAND_XDP_OBJ=$T/bin/scand_xdp.bpf.o $limit setpriv --reuid=$SVC_UID --regid=$SVC_UID --clear-groups \
--no-new-privs --inh-caps=$amb_caps --ambient-caps=$amb_caps --bounding-set=-all,$bnd_caps"
make_truth 6 22,80 "$T/truth"
for engine in af_packet af_xdp; do
	rm -rf "$T/state"
	scand_config "$T/scand.conf" $'[nic "sc0"]\nengine = '"$engine"
	scand_start "$T/scand.conf"
	st=$(grep -E '^(Uid|CapEff|CapAmb|NoNewPrivs)' "/proc/$SCAND_PID/status" | tr -s '\t\n' '  ')
	grep -q "^Uid:[[:space:]]*$SVC_UID[[:space:]]" "/proc/$SCAND_PID/status" || fail "scand does not run as uid $SVC_UID: $st"
	grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$SCAND_PID/status" || fail "NoNewPrivs not set: $st"
	info=$(ctl --json info)
	[ "$(jget "$info" 'r["nics"][0]["state"]')" = up ] ||
		fail "$engine NIC not up as uid $SVC_UID with caps $amb_caps: $info"
	ctl submit 198.18.1.1-198.18.1.254 -p 22,80 -r 5000 --wait -o "$T/results-$engine.ndjson" >/dev/null 2>&1 ||
		fail "scan with $engine as uid $SVC_UID failed"
	check_results "$T/results-$engine.ndjson" "$T/truth" 508 || fail "$engine results wrong as uid $SVC_UID"
	echo "$engine as uid $SVC_UID ($st): mode $(jget "$info" 'r["nics"][0]["mode"]'), results exact"
	scand_stop
	[ "$SCAND_EXIT" -eq 0 ] || fail "scand ($engine, uid $SVC_UID) exited $SCAND_EXIT on SIGTERM"
	ip -n "$SCAN_NS" link show sc0 | grep -q 'prog/xdp' &&
		fail "XDP program still attached to sc0 after scand (uid $SVC_UID, caps $amb_caps) stopped"
done
echo "PASS: units verify clean; sysusers and tmpfiles apply; the unit's privileges suffice for af_packet and af_xdp"
