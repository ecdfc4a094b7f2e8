# A Debian 12 booted with systemd as PID 1 in systemd-nspawn, for tests of the
# installed package. The root (debootstrap minbase) is built once per machine
# under /var/lib/machines and never changed: --volatile=overlay puts every
# write of a run on a tmpfs that goes with the container.
# Source it; needs fail() (lib.sh). ctr_boot, ctr, ctr_hostnet, ctr_poweroff.

CTR_IMAGE_DIR=${SCAND_NSPAWN_IMAGE:-/var/lib/machines/scand-bookworm}
CTR_MIRROR=${SCAND_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# what the image holds; a change here rebuilds it (the stamp records it)
CTR_IMAGE_RECIPE="bookworm minbase systemd,systemd-sysv,dbus,iproute2 v2"
# bind-mounted over /var/cache/apt/archives (apt-get keeps what it fetched):
# later runs do not download the package's dependencies again
CTR_APT_CACHE=/var/cache/scand-booted/apt

# ctr_image: builds the root once (about 1-3 min), under a lock so that two
# runs at once do not both build it.
ctr_image() {
	local stamp=$CTR_IMAGE_DIR/.scand-image tmp
	mkdir -p "$(dirname "$CTR_IMAGE_DIR")" "$CTR_APT_CACHE/partial"
	exec 8>"$CTR_IMAGE_DIR.lock"
	flock 8 || fail "cannot lock $CTR_IMAGE_DIR.lock"
	if [ "$(cat "$stamp" 2>/dev/null)" = "$CTR_IMAGE_RECIPE" ]; then
		exec 8>&-
		return 0
	fi
	tmp=$CTR_IMAGE_DIR.new.$$
	# (and what an interrupted build left: the lock says nobody builds now)
	rm -rf "$CTR_IMAGE_DIR" "$CTR_IMAGE_DIR".new.*
	echo "building the Debian 12 root in $CTR_IMAGE_DIR once (debootstrap, 1-3 min)"
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2 \
		bookworm "$tmp" "$CTR_MIRROR" >"$tmp.log" 2>&1 ||
		{ tail -20 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; fail "debootstrap of bookworm from $CTR_MIRROR failed (log above; set SCAND_DEBIAN_MIRROR for another mirror)"; }
	# a fresh Debian 12 as an operator has it: updates and security too
	cat >"$tmp/etc/apt/sources.list" <<EOF
deb $CTR_MIRROR bookworm main
deb $CTR_MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
	rm -f "$tmp/etc/hostname" "$tmp.log"
	echo "$CTR_IMAGE_RECIPE" >"$tmp/.scand-image"
	mv "$tmp" "$CTR_IMAGE_DIR"
	exec 8>&-
}

# ctr_boot NAME NETNS BIND_DIR: boots the image in the network namespace
# /run/netns/NETNS (made by the test, so the container's network is the
# test's own); BIND_DIR is visible read-only at /srv/test inside. Sets
# CTR_PID (container PID 1) and CTR_NSPAWN. nspawn runs in a cgroup of its own
# (it creates payload/ and supervisor/ below it).
ctr_boot() {
	local name=$1 netns=$2 bind=$3 st
	CTR_CG=/sys/fs/cgroup/unified/$name
	[ -d /sys/fs/cgroup/unified ] || CTR_CG=/sys/fs/cgroup/$name
	mkdir -p "$CTR_CG" || fail "cannot create cgroup $CTR_CG"
	CTR_LOG=$T/nspawn.log
	(
		echo "$BASHPID" >"$CTR_CG/cgroup.procs" || exit 1
		# CAP_NET_ADMIN: the network namespace is the test's, not the host's
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn -q -b -D "$CTR_IMAGE_DIR" -M "$name" \
			--register=no --keep-unit --volatile=overlay --console=passive \
			--network-namespace-path="/run/netns/$netns" \
			--capability=CAP_NET_ADMIN,CAP_BPF,CAP_PERFMON,CAP_IPC_LOCK --system-call-filter=bpf \
			--resolv-conf=copy-host --bind-ro="$bind:/srv/test" --bind="$CTR_APT_CACHE:/var/cache/apt/archives"
	) </dev/null >"$CTR_LOG" 2>&1 &
	CTR_NSPAWN=$!
	for _ in $(seq 100); do
		CTR_PID=$(pgrep -P "$CTR_NSPAWN" 2>/dev/null | head -1)
		[ -n "$CTR_PID" ] && [ "$(cat "/proc/$CTR_PID/comm" 2>/dev/null)" = systemd ] && break
		kill -0 "$CTR_NSPAWN" 2>/dev/null || { cat "$CTR_LOG"; fail "systemd-nspawn exited at start"; }
		CTR_PID=
		sleep 0.1
	done
	[ -n "$CTR_PID" ] || { cat "$CTR_LOG"; fail "no systemd in the container after 10 s"; }
	# systemctl fails until PID 1 has its private socket up, and says "offline"
	# until PID 1 has created /run/systemd/system
	for _ in $(seq 100); do
		st=$(timeout 60 nsenter -t "$CTR_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			systemctl is-system-running --wait 2>&1)
		case "$st" in *"Failed to connect to bus"* | offline) sleep 0.1 ;; *) break ;; esac
	done
	[ "$st" = running ] || { ctr systemctl --failed --no-pager; fail "the container booted '$st', not 'running'"; }
}

# ctr CMD...: runs CMD in the container (all its namespaces).
ctr() { nsenter -t "$CTR_PID" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb "$@"; }
# ctr_hostnet CMD...: the same in the host's network namespace (for apt,
# which fetches from the mirror; nothing else may use it).
ctr_hostnet() {
	nsenter -t "$CTR_PID" -m -u -i -p -C -r -w -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}

# ctr_poweroff: SIGRTMIN+4 to PID 1 (a clean shutdown), SIGKILL after 20 s;
# removes the cgroups nspawn left.
ctr_poweroff() {
	[ -n "${CTR_NSPAWN:-}" ] || return 0
	[ -n "${CTR_PID:-}" ] && kill -s SIGRTMIN+4 "$CTR_PID" 2>/dev/null
	for _ in $(seq 200); do
		kill -0 "$CTR_NSPAWN" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$CTR_NSPAWN" 2>/dev/null; then
		# still nspawn's child: PID 1 of the container (ends its PID namespace)
		[ -n "${CTR_PID:-}" ] && [ "$(ps -o ppid= -p "$CTR_PID" | tr -d ' ')" = "$CTR_NSPAWN" ] &&
			kill -KILL "$CTR_PID"
		kill -KILL "$CTR_NSPAWN"
	fi
	wait "$CTR_NSPAWN" 2>/dev/null
	CTR_NSPAWN=
	# a cgroup stays busy for a moment after its last process exited
	for _ in $(seq 50); do
		[ -n "${CTR_CG:-}" ] && [ -d "$CTR_CG" ] || break
		find "$CTR_CG" -depth -type d -exec rmdir {} + 2>/dev/null
		sleep 0.1
	done
	[ -d "${CTR_CG:-/nonexistent}" ] && echo "warning: cgroup $CTR_CG could not be removed" >&2
	return 0
}
