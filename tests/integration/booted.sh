#!/usr/bin/env bash
# The .deb on a booted Debian 12 (systemd as PID 1 in systemd-nspawn), as an
# operator uses it: apt install (dependencies from the archive), both units
# active, scand as user scand with exactly the unit's capabilities, verify and
# security inside; a [nic] on a netns testbed (af_packet, then af_xdp), scans
# by a member of group scand with exact results, a non-member refused,
# a typo in scand.conf named in the journal when the restart fails, a deleted
# and re-added NIC re-opened by `systemctl reload`, journald fields (JOB_ID);
# an upgrade mid-job (the job resumes after the restart and ends exact, the
# edited conffiles stay); stop leaves no XDP program; remove keeps state and
# config; purge removes them and keeps the (file-less) scand user, which a
# reinstall reuses.
# The container's network namespace is the test's scanner namespace; the
# targets answer from the test's target namespace (testbed.sh).
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debbuild.sh"
. "$(dirname "$0")/nspawn.sh"
need_root
for t in systemd-nspawn:systemd-container debootstrap:debootstrap dpkg-buildpackage:dpkg-dev dh:debhelper nsenter:util-linux; do
	command -v "${t%%:*}" >/dev/null ||
		{ echo "SKIP: ${t%%:*} not installed (apt-get install ${t#*:}; scripts/deps.sh installs it)"; exit 77; }
done
V2=0.1.0+booted1 # the upgrade's version: higher than packaging/debian/changelog's
T=$(mktemp -d /tmp/scand-booted.XXXXXX)
chmod 0700 "$T"
booted_cleanup() {
	if [ $? -ne 0 ] && [ -n "${CTR_NSPAWN:-}" ]; then
		echo "--- scand's journal in the container (tail)"
		ctr journalctl -u scand.service -u scand.socket -n 30 --no-pager
	fi >&2
	ctr_poweroff
	lib_cleanup
}
trap booted_cleanup EXIT
trap 'exit 1' INT TERM
t0=$SECONDS
stage() { echo "== $* ($((SECONDS - t0)) s)"; }

# as_user USER CMD...: a command as USER with USER's groups, in the container
as_user() { local u=$1; shift; ctr setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
# lib.sh's ctl (and so wait_state): root's scanctl in the container
ctl() { ctr scanctl "$@"; }
info() { ctl --json info; }
nic_field() { jget "$(info)" "r['nics'][0]['$1']"; }
main_pid() { ctr systemctl show -P MainPID scand.service; }

# cap_mask NAME...: the /proc/PID/status hex mask of these capabilities, from
# the kernel headers' numbers
cap_mask() {
	local m=0 n v
	for n in "$@"; do
		v=$(awk -v c="${n^^}" '$1 == "#define" && $2 == c { print $3 }' /usr/include/linux/capability.h)
		[ -n "$v" ] || fail "capability $n not in /usr/include/linux/capability.h"
		m=$((m | (1 << v)))
	done
	printf '%016x' "$m"
}

build_packages() {
	stage "building the package twice from clean copies of the tree ($V2 for the upgrade)"
	deb_source_copy "$T/v1/scand-src"
	deb_source_copy "$T/v2/scand-src"
	deb_set_version "$T/v2/scand-src" "$V2"
	# nocheck: the packaging suite runs the unit suite inside the package build
	DEB1=$(deb_build "$T/v1/scand-src" "$T/build1.log" nocheck) || exit 1
	DEB2=$(deb_build "$T/v2/scand-src" "$T/build2.log" nocheck) || exit 1
	mkdir -m 0755 "$T/debs"
	cp "$DEB1" "$DEB2" "$T/debs/" && chmod 0644 "$T"/debs/*.deb
	V1=$(dpkg-deb -f "$DEB1" Version)
	dpkg --compare-versions "$V2" gt "$V1" || fail "upgrade version $V2 is not above $V1"
	echo "built $(basename "$DEB1") and $(basename "$DEB2")"
}

install_package() {
	stage "apt install ./$(basename "$DEB1") on the booted Debian 12"
	ctr_hostnet apt-get update -qq >"$T/apt-update.log" 2>&1 || { cat "$T/apt-update.log"; fail "apt-get update in the container"; }
	ctr_hostnet apt-get install -y "/srv/test/$(basename "$DEB1")" >"$T/install.log" 2>&1 ||
		{ tail -30 "$T/install.log"; fail "apt install of the .deb failed"; }
	grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$T/install.log"
	[ "$(ctr dpkg-query -W -f='${Status} ${Version}' scand)" = "install ok installed $V1" ] ||
		fail "scand $V1 not installed: $(ctr dpkg-query -W scand 2>&1)"
	# every dependency of the .deb is installed (the image has none of its
	# libraries: apt got them from the archive); of "a | b", one will do
	dpkg-deb -f "$DEB1" Depends | tr ',' '\n' | sed 's/([^)]*)//g; s/:any//g' | while read -r alts; do
		for p in ${alts//|/ }; do
			ctr dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' && continue 2
		done
		fail "dependency '$alts' of scand is not installed"
	done || exit 1
}

check_units() {
	local pid uid st amb bnd want out score doc
	stage "units: active, user scand, the unit's capabilities, verify, security"
	for u in scand.socket scand.service; do
		[ "$(ctr systemctl is-enabled "$u")" = enabled ] || fail "$u is not enabled after install"
		[ "$(ctr systemctl is-active "$u")" = active ] || { ctr systemctl status "$u" --no-pager; fail "$u is not active after install"; }
	done
	pid=$(main_pid)
	uid=$(ctr getent passwd scand | cut -d: -f3)
	[ -n "$uid" ] || fail "no user scand after install"
	st=$(ctr cat "/proc/$pid/status")
	echo "$st" | grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" || fail "scand (pid $pid) does not run as scand ($uid): $(echo "$st" | grep ^Uid)"
	echo "$st" | grep -Eq '^NoNewPrivs:\s+1$' || fail "NoNewPrivs not set"
	echo "$st" | grep -Eq '^Seccomp:\s+2$' || fail "no seccomp filter (SystemCallFilter=)"
	amb=$(ctr systemctl show -P AmbientCapabilities scand.service)
	bnd=$(ctr systemctl show -P CapabilityBoundingSet scand.service)
	[ "$amb" = "$bnd" ] || fail "the unit's ambient ($amb) and bounding ($bnd) sets differ"
	want=$(cap_mask $amb)
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		echo "$st" | grep -Eq "^$f:\s+$want$" ||
			fail "scand's $f is not the unit's set $want ($amb): $(echo "$st" | grep "^$f")"
	done
	echo "scand pid $pid: uid $uid (scand), CapEff=CapBnd=CapAmb=$want ($amb), NoNewPrivs, seccomp"

	out=$(ctr systemd-analyze verify scand.service scand.socket 2>&1) || fail "systemd-analyze verify failed: $out"
	[ -z "$out" ] || fail "systemd-analyze verify reports: $out"
	echo "systemd-analyze verify: clean"
	ctr systemd-analyze security --no-pager scand.service >"$T/security.out" 2>&1
	score=$(sed -n 's/^→ Overall exposure level for scand.service: \([0-9.]*\) .*/\1/p' "$T/security.out")
	[ -n "$score" ] || { cat "$T/security.out"; fail "no exposure level from systemd-analyze security"; }
	doc=$(sed -n 's/.*`systemd-analyze security scand.service` on the booted Debian 12: exposure \([0-9.]*\).*/\1/p' "$SRCDIR/docs/operating.md")
	echo "systemd-analyze security scand.service: exposure $score ($(ctr systemctl --version | head -1))"
	[ "$score" = "$doc" ] || fail "exposure $score, docs/operating.md says '$doc': update it (Running as a service)"
	ctr journalctl -u scand.service -o cat --no-pager | grep -q "scand $V1 ready on /run/scand/control.sock (socket from systemd)" ||
		fail "journal lacks scand's ready line with the socket from systemd"
}

# configure ENGINE: the operator's edits: the testbed range out of the
# blocklist, source address and allow list, one [nic] (all in place, as with
# an editor); then a restart through systemd
configure() {
	local engine=$1
	if ! ctr grep -q '^\[nic "sc0"\]' /etc/scand/scand.conf; then
		ctr sed -i '/^198\.18\.0\.0\/15 /d' /etc/scand/blocklist.conf
		ctr sed -i -e '0,/^# source_ip =$/s//source_ip = 198.18.0.100/' -e 's/^# cooldown_s = 8$/cooldown_s = 1/' \
			-e 's/^# adaptive = true$/adaptive = false/' -e '0,/^# allow =$/s//allow = 198.18.0.0\/15/' \
			/etc/scand/scand.conf
		ctr sh -c 'printf "\n[nic \"sc0\"]\nengine = af_packet\n" >>/etc/scand/scand.conf'
	fi
	ctr sed -i "s/^engine = .*/engine = $engine/" /etc/scand/scand.conf
	ctr scand --check-config --config /etc/scand/scand.conf >/dev/null || fail "the edited config does not check"
	ctr systemctl restart scand.service || { ctr journalctl -u scand -n 20 --no-pager; fail "systemctl restart scand failed"; }
	[ "$(nic_field state)" = up ] || fail "sc0 ($engine) not up after restart: $(info)"
	[ "$(nic_field engine)" = "$engine" ] || fail "sc0 runs $(nic_field engine), not $engine"
}

# scan_as USER OUT: the standard scan (254 hosts x 22,80) with scanctl --wait
scan_as() {
	as_user "$1" scanctl submit 198.18.1.1-198.18.1.254 -p 22,80 -r 5000 --wait -o /tmp/results.ndjson \
		>"$T/submit.out" 2>"$T/submit.err" || { cat "$T/submit.err"; fail "scanctl submit --wait as $1 failed"; }
	JOB=$(head -1 "$T/submit.out")
	ctr cat /tmp/results.ndjson >"$2"
	check_results "$2" "$T/truth" 508 || fail "results of $JOB as $1 ($(nic_field engine)) differ from the ground truth"
}

check_journal() { # JOB
	local lines all
	lines=$(ctr journalctl JOB_ID="$1" -o cat --no-pager)
	for what in queued running done; do
		echo "$lines" | grep -q "^job $1 $what" || fail "journalctl JOB_ID=$1 lacks the '$what' line: $lines"
	done
	all=$(ctr journalctl -u scand.service -o cat --no-pager | grep -c "^job $1[ :]")
	[ "$(echo "$lines" | wc -l)" -eq "$all" ] || fail "$all log lines name job $1, JOB_ID=$1 finds $(echo "$lines" | wc -l)"
	echo "journalctl JOB_ID=$1: $all lines"
}

scans() {
	local out
	stage "scans through the service: af_packet, then af_xdp; group scand member and outsider"
	ctr useradd --no-create-home --groups scand alice || fail "useradd alice"
	ctr useradd --no-create-home bob || fail "useradd bob"
	make_truth 8 22,80 "$T/truth"
	configure af_packet
	scan_as alice "$T/r-af_packet.ndjson"
	echo "af_packet: alice (group scand) scanned exactly ($JOB)"
	check_journal "$JOB"
	configure af_xdp
	case "$(nic_field mode)" in xdp-*) ;; *) fail "af_xdp mode is $(nic_field mode)" ;; esac
	ip -n "$SCAN_NS" link show sc0 | grep -q ' xdp' || fail "no XDP program on sc0 while the af_xdp engine is open"
	scan_as alice "$T/r-af_xdp.ndjson"
	echo "af_xdp ($(nic_field mode)) under systemd: alice scanned exactly ($JOB)"
	out=$(as_user bob scanctl jobs 2>&1)
	[ $? -eq 3 ] || fail "bob (not in group scand) was not refused: $out"
	echo "$out" | grep -q 'Permission denied' || fail "bob's refusal does not say why: $out"
	echo "bob (not in group scand): $out"
}

# A typo in scand.conf: the restart fails in ExecStartPre and the journal names
# the line; after the fix (and reset-failed: the failed start was retried by
# Restart=on-failure up to the start limit) scand starts again.
broken_config() {
	local line
	stage "a broken scand.conf: systemctl restart fails, the journal names the line"
	ctr sed -i 's/^\[scan\]$/[scan]\nsource_port = 40000/' /etc/scand/scand.conf
	line=$(ctr grep -n '^source_port = 40000$' /etc/scand/scand.conf | cut -d: -f1)
	ctr systemctl restart scand.service 2>/dev/null && fail "scand restarted with an unknown key in scand.conf"
	ctr journalctl -u scand.service -o cat --no-pager |
		grep -q "^/etc/scand/scand.conf:$line: unknown key \"source_port\" in \[scan\]; known keys: .*source_ports" ||
		fail "the journal does not name /etc/scand/scand.conf:$line: $(ctr journalctl -u scand.service -n 5 -o cat --no-pager)"
	ctr sed -i '/^source_port = 40000$/d' /etc/scand/scand.conf
	ctr systemctl reset-failed scand.service
	ctr systemctl start scand.service || fail "scand does not start after the config was fixed"
	[ "$(nic_field state)" = up ] || fail "sc0 not up after the fixed config: $(info)"
	echo "typo at scand.conf:$line: restart refused, line named in the journal; fixed, started again"
}

nic_reload() {
	local st
	stage "NIC deleted and re-added; systemctl reload scand re-opens it"
	ip -n "$SCAN_NS" link del sc0
	for _ in $(seq 50); do [ "$(nic_field state)" = failed ] && break; sleep 0.1; done
	[ "$(nic_field state)" = failed ] || fail "deleted sc0 not noticed: $(info)"
	ctr journalctl -u scand.service -p err -o cat --no-pager | grep -q 'sc0: the interface disappeared' ||
		fail "the NIC loss is not in the journal at priority err"
	testbed_link "$SCAN_NS" sc0 tg0b 198.18.0 || fail "cannot re-add sc0"
	ctr systemctl reload scand.service || fail "systemctl reload scand failed"
	for _ in $(seq 50); do st=$(nic_field state); [ "$st" = up ] && break; sleep 0.1; done
	[ "$st" = up ] || fail "sc0 not re-opened by systemctl reload: $(info)"
	scan_as alice "$T/r-reload.ndjson"
	echo "sc0 re-opened by systemctl reload ($(nic_field mode)); scan exact ($JOB)"
}

# the upgrade happens while a slow job runs: the postinst restarts scand, the
# job resumes from its checkpoint, is sped up with rate.set and ends exact
upgrade() {
	local job sent pid1 pid2 conf_before conf_after total=$((254 * 22)) resumed
	stage "upgrade to $V2 while a job runs"
	conf_before=$(ctr sha256sum /etc/scand/scand.conf /etc/scand/blocklist.conf)
	job=$(as_user alice scanctl submit 198.18.1.1-198.18.1.254 -p 1-20,22,80 -r 200) || fail "submit"
	for _ in $(seq 100); do
		sent=$(jget "$(ctl --json status "$job")" 'r["sent"]')
		[ "$sent" -ge 400 ] && break
		sleep 0.1
	done
	pid1=$(main_pid)
	ctr_hostnet apt-get install -y "/srv/test/$(basename "$DEB2")" >"$T/upgrade.log" 2>&1 ||
		{ tail -30 "$T/upgrade.log"; fail "apt install of $V2 failed"; }
	grep -q "Unpacking scand ($V2) over ($V1)" "$T/upgrade.log" || fail "not an upgrade: $(grep -i scand "$T/upgrade.log")"
	pid2=$(main_pid)
	[ "$pid1" != "$pid2" ] || fail "the upgrade did not restart scand (pid $pid1)"
	[ "$(jget "$(info)" 'r["version"]')" = "$V2" ] || fail "after the upgrade scand is $(jget "$(info)" 'r["version"]')"
	[ "$(ctr readlink "/proc/$pid2/exe")" = /usr/sbin/scand ] || fail "scand runs a deleted binary"
	resumed=$(ctr journalctl JOB_ID="$job" -o cat --no-pager | sed -n "s/^job $job resumes: \([0-9]*\) of $total probes sent$/\1/p")
	[ -n "$resumed" ] && [ "$resumed" -gt 0 ] && [ "$resumed" -lt "$total" ] ||
		fail "job $job did not resume mid-way after the upgrade: $(ctr journalctl JOB_ID="$job" -o cat --no-pager)"
	[ "$(jget "$(ctl --json status "$job")" 'r["state"]')" = running ] || fail "job $job not running after the upgrade"
	echo "upgraded $V1 -> $V2 (pid $pid1 -> $pid2) with job $job at $sent/$total; it resumed at $resumed"
	as_user alice scanctl rate "$job" 5000 >/dev/null || fail "rate.set after the upgrade"
	WAIT_S=60 wait_state "$job" done
	ctl results "$job" -o /tmp/upgrade.ndjson || fail "results of $job"
	ctr cat /tmp/upgrade.ndjson >"$T/r-upgrade.ndjson"
	check_results "$T/r-upgrade.ndjson" "$T/truth" "$total" || fail "the job across the upgrade is not exact"
	conf_after=$(ctr sha256sum /etc/scand/scand.conf /etc/scand/blocklist.conf)
	[ "$conf_before" = "$conf_after" ] || fail "the upgrade changed the edited conffiles"
	[ -z "$(ctr find /etc/scand -name '*.dpkg-*')" ] || fail "dpkg left $(ctr find /etc/scand -name '*.dpkg-*')"
	ctr journalctl -u scand.service -o cat --no-pager | grep -q "scand $V2 ready on /run/scand/control.sock (socket from systemd)" ||
		fail "after the upgrade scand did not get its socket from systemd"
	echo "job $job ended exact across the upgrade; edited scand.conf and blocklist.conf kept"
}

stop_remove_purge() {
	local uid gid owned
	stage "systemctl stop; apt remove; apt purge"
	ctr systemctl stop scand.socket scand.service || fail "systemctl stop"
	[ "$(ctr systemctl show -P Result scand.service)" = success ] ||
		fail "scand did not stop cleanly: $(ctr systemctl show -P Result scand.service)"
	ip -n "$SCAN_NS" -d link show | grep -q 'prog/xdp' && fail "an XDP program is still attached after systemctl stop: $(ip -n "$SCAN_NS" -d link show)"
	echo "stopped: result success, no XDP program on any NIC of the container"

	ctr_hostnet apt-get remove -y scand >"$T/remove.log" 2>&1 || { tail -20 "$T/remove.log"; fail "apt remove"; }
	[ "$(ctr dpkg-query -W -f='${db:Status-Abbrev}' scand)" = "rc " ] || fail "after remove: $(ctr dpkg-query -W scand)"
	ctr test -s "/var/lib/scand/jobs/$JOB/results.ndjson" || fail "apt remove deleted /var/lib/scand"
	ctr grep -q '^\[nic "sc0"\]' /etc/scand/scand.conf || fail "apt remove deleted the edited scand.conf"
	ctr test -e /run/scand && fail "apt remove left /run/scand (stale control socket)"
	echo "removed: /var/lib/scand and /etc/scand kept"

	uid=$(ctr getent passwd scand | cut -d: -f3)
	gid=$(ctr getent group scand | cut -d: -f3)
	ctr_hostnet apt-get purge -y scand >"$T/purge.log" 2>&1 || { tail -20 "$T/purge.log"; fail "apt purge"; }
	ctr dpkg-query -W scand >/dev/null 2>&1 && fail "after purge dpkg still knows scand: $(ctr dpkg-query -W scand)"
	for d in /etc/scand /var/lib/scand /run/scand; do
		ctr test -e "$d" && fail "apt purge left $d"
	done
	ctr sh -c 'ls /etc/systemd/system/*/scand.* /var/lib/systemd/deb-systemd-helper-enabled/*scand* 2>/dev/null' &&
		fail "apt purge left unit enablement links"
	# Debian practice (docs/operating.md, Debian package): the system user stays, locked, owning nothing
	[ "$(ctr getent passwd scand | cut -d: -f3,7)" = "$uid:/usr/sbin/nologin" ] ||
		fail "user scand after purge: $(ctr getent passwd scand)"
	ctr getent shadow scand | cut -d: -f2 | grep -q '^!' || fail "user scand is not locked"
	owned=$(ctr find / /run /var /tmp -xdev \( -uid "$uid" -o -gid "$gid" \) -print 2>/dev/null | head)
	[ -z "$owned" ] || fail "files owned by the scand user or group remain after purge: $owned"
	echo "purged: /etc/scand, /var/lib/scand, /run/scand gone; user scand ($uid) kept, locked, owns no file"

	ctr_hostnet apt-get install -y "/srv/test/$(basename "$DEB2")" >"$T/reinstall.log" 2>&1 ||
		{ tail -20 "$T/reinstall.log"; fail "apt install after purge"; }
	[ "$(ctr systemctl is-active scand.service)" = active ] || fail "scand not active after reinstall"
	[ "$(ctr stat -c %u /var/lib/scand)" = "$uid" ] || fail "reinstall did not reuse user scand ($uid)"
	echo "reinstalled after purge: scand active, user scand ($uid) reused"
}

build_packages
stage "Debian 12 root (debootstrap once per machine: $CTR_IMAGE_DIR)"
ctr_image
TESTBED_ID=booted$$ testbed_up >"$T/testbed.log" 2>&1 || { cat "$T/testbed.log"; fail "testbed_up failed"; }
stage "booting it with systemd as PID 1 in the testbed's scanner namespace"
ctr_boot "scand-booted-$$" "$SCAN_NS" "$T/debs"
echo "container PID 1: $CTR_PID ($(ctr systemctl --version | head -1)); $(ctr systemd-analyze time | head -1)"
install_package
check_units
scans
broken_config
nic_reload
upgrade
stop_remove_purge
stage "done"
echo "PASS: the .deb on a booted Debian 12: install, units, scans, reload, upgrade mid-job, stop, remove, purge"
