#!/usr/bin/env bash
# Installs scand's dependencies (Debian 12) when missing; safe to run repeatedly.
# Sourced by scripts/demo (scand_install_build_deps: build and run scand) and
# scripts/test (scand_install_deps: that plus what the test suites use).

# Building and running scand, and what scripts/demo runs (ip, sysctl, python3).
SCAND_BUILD_DEPS=(gcc meson ninja-build pkg-config
	clang llvm                             # the XDP program (engines/bpf)
	libxdp-dev libbpf-dev libdpdk-dev libsystemd-dev libevent-dev libcjson-dev
	libnuma-dev libinih-dev
	systemd                                # systemd.pc: where the units install
	iproute2 ethtool procps util-linux     # scand --prepare, the netns testbed, ExecReload
	python3)                               # the demo's listeners (tests/integration/lib.sh)

# Only the test suites and benchmarks (docs/testing.md), each with its user.
SCAND_TEST_DEPS=(libcmocka-dev                 # unit suite
	libclang-rt-14-dev                     # libFuzzer (build-fuzz)
	iputils-ping                           # e2e_af_xdp (ping during a scan)
	zmap                                   # e2e_af_packet, bench_tools (compared with zmap)
	masscan                                # bench/ (BENCHMARKS.md)
	tshark                                 # test_probe: frames decoded from a pcap
	debhelper dpkg-dev lintian             # packaging suite (package)
	systemd-container debootstrap          # booted suite (systemd-nspawn)
	driverctl dpdk                         # prepare_tools (driverctl, dpdk-devbind.py)
	ansible-core                           # fleet_ansible
	prometheus                             # e2e_prometheus (promtool)
	openssh-server)                        # remote_ssh (its own sshd)

# scand_install_packages PKG...: installs those of PKG that are missing.
scand_install_packages() {
	local missing=()
	for p in "$@"; do
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

scand_install_build_deps() { scand_install_packages "${SCAND_BUILD_DEPS[@]}"; }
scand_install_deps() { scand_install_packages "${SCAND_BUILD_DEPS[@]}" "${SCAND_TEST_DEPS[@]}"; }
