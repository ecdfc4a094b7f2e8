#!/usr/bin/env bash
# The probe modules on the dpdk engine (net_af_packet vdev on sc0, EAL
# without hugepages or PCI, as e2e_dpdk): icmp_echo and udp over IPv4 and
# IPv6 and tcp_syn's option sets give exactly the ground truth of
# e2e_probes.sh (probes_lib.sh).
set -u
"$SCAND" --version | grep -q dpdk || { echo "SKIP: scand built without DPDK (apt-get install libdpdk-dev)"; exit 77; }
PROBE_ENGINES=dpdk exec "$(dirname "$0")/e2e_probes.sh"
