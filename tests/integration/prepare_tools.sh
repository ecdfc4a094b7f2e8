#!/usr/bin/env bash
# scand --prepare --dry-run against this host's real PCI NIC with the real
# driverctl and dpdk-devbind.py, read-only: proves the parsers handle the
# tools' real output (the driver and interface they report must equal sysfs)
# and that the control-plane NIC is refused. Guard wrappers on PATH let only
# the tools' listing commands through; any change would be refused, logged
# and fail the test. Nothing on the host is changed.
set -u
. "$(dirname "$0")/lib.sh"
need_root
for t in driverctl dpdk-devbind.py; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (apt-get install driverctl dpdk)"; exit 77; }
done
PCI=
for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/class") in 0x02*) [ -L "$d/driver" ] && { PCI=$(basename "$d"); break; } ;; esac
done
[ -n "$PCI" ] || { echo "SKIP: this host has no PCI network device bound to a driver"; exit 77; }
DRV=$(basename "$(readlink "/sys/bus/pci/devices/$PCI/driver")")
IF=
for n in /sys/class/net/*; do
	[ "$(readlink -f "$n/device" 2>/dev/null)" = "$(readlink -f "/sys/bus/pci/devices/$PCI")" ] && IF=$(basename "$n")
	case $(readlink -f "$n/device" 2>/dev/null) in "$(readlink -f "/sys/bus/pci/devices/$PCI")"/*) IF=$(basename "$n") ;; esac
done
echo "device under test: $PCI driver $DRV interface ${IF:-none}"

T=$(mktemp -d /tmp/scand-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/guard"
guard() { # NAME REAL ALLOWED-FIRST-ARG-PATTERN
	cat >"$T/guard/$1" <<EOF
#!/bin/sh
case "\$1" in $3) exec $2 "\$@" ;; esac
echo "REFUSED $1 \$*" >>"$T/refused.log"
exit 99
EOF
	chmod +x "$T/guard/$1"
}
guard driverctl "$(command -v driverctl)" 'list-devices|list-overrides'
guard dpdk-devbind.py "$(command -v dpdk-devbind.py)" '--status|--status-dev|-s'
guard ip "$(command -v ip)" '-o|-br|-j' # dpdk-devbind.py reads `ip -o route` (its *Active* flag)
for t in ethtool modprobe mount umount; do guard $t /bin/false '--never--'; done

test_blocklist "$T/blocklist.conf"
cat >"$T/scand.conf" <<EOF
[daemon]
state_dir = $T/state
[scan]
blocklist_file = $T/blocklist.conf
[nic "pcinic"]
engine = dpdk
dpdk_port = $PCI
EOF
prep() { env PATH="$T/guard:/usr/bin:/bin" "$SCAND" --prepare --dry-run --config "$T/scand.conf" 2>&1; }
default_if=$(ip route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)

check() { # TOOL-LINE-PREFIX
	echo "$out"
	echo "$out" | grep -qF "pcinic: $PCI: vendor $(cat "/sys/bus/pci/devices/$PCI/vendor"), driver $DRV${IF:+, interface $IF}" ||
		fail "sysfs facts not reported"
	echo "$out" | grep -qF "pcinic: $1" || fail "the tool's output was not parsed into '$1'"
	if [ -n "$IF" ] && [ "$IF" = "$default_if" ]; then
		echo "$out" | grep -qF "pcinic: error: $IF carries the default route: giving it to DPDK would cut the host off" ||
			fail "the default-route NIC was not refused"
	else
		echo "$out" | grep -qF "would run: " || fail "no planned change for a NIC that is not the control plane"
	fi
	[ -f "$T/refused.log" ] && fail "a change was attempted: $(cat "$T/refused.log")"
	[ -f "$T/state/prepare.json" ] && fail "--dry-run wrote a record"
	return 0
}
out=$(prep)
check "driverctl: driver $DRV"
rm "$T/guard/driverctl"
out=$(prep)
check "dpdk-devbind.py: driver $DRV${IF:+, interface $IF}"
[ "$(basename "$(readlink "/sys/bus/pci/devices/$PCI/driver")")" = "$DRV" ] || fail "the device's driver changed"
echo "PASS"
