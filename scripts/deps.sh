#!/usr/bin/env bash
# Installs scand's build and test dependencies (Debian 12) when missing.
# Sourced by scripts/test and scripts/demo; safe to run repeatedly.
SCAND_DEPS=(meson ninja-build pkg-config gcc clang llvm libclang-rt-14-dev
	libxdp-dev libbpf-dev libdpdk-dev libsystemd-dev libevent-dev libcjson-dev
	libnuma-dev libinih-dev libcmocka-dev
	iproute2 iputils-ping ethtool python3 util-linux procps zmap masscan tshark xdp-tools
	systemd debhelper dpkg-dev lintian systemd-container debootstrap driverctl dpdk
	ansible-core prometheus openssh-server)

scand_install_deps() {
	local missing=()
	for p in "${SCAND_DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	# services in these packages (prometheus, sshd) must not start on the
	# host: tests run their own, in namespaces; policy-rc.d tells dpkg so
	local policy=/usr/sbin/policy-rc.d own=0 r
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own=1
	fi
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	r=$?
	[ $own = 1 ] && rm -f "$policy"
	return $r
}
