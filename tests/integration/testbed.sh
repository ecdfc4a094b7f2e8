# Netns testbed (DESIGN §7): a scanner namespace and a target namespace
# joined by a veth pair. Only 198.18.0.0/15 addresses; nothing touches the
# host's interfaces. Source this file; call testbed_up / testbed_down.
#   scanner: sc0 198.18.0.1/24, route 198.18.1.0/24 via 198.18.0.2
#   target:  tg0 198.18.0.2/24, answers for all of 198.18.1.0/24 (local route on lo)
#   scan source 198.18.0.100 is owned by nobody: the target's neighbour entry
#   for it points at sc0, so replies reach the wire and nobody sends RSTs.
# TESTBED_QUEUES=N creates the veth with N TX/RX queues.

testbed_up() {
	local id=${TESTBED_ID:-$$}
	SCAN_NS=scand-s-$id
	TARGET_NS=scand-t-$id
	export SCAN_NS TARGET_NS
	local q=${TESTBED_QUEUES:-1}
	ip netns add "$SCAN_NS" || return 1
	ip netns add "$TARGET_NS" || return 1
	ip link add sc0 netns "$SCAN_NS" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name tg0 netns "$TARGET_NS" numtxqueues "$q" numrxqueues "$q" || return 1
	ip -n "$SCAN_NS" link set lo up
	ip -n "$TARGET_NS" link set lo up
	ip -n "$SCAN_NS" addr add 198.18.0.1/24 dev sc0
	ip -n "$TARGET_NS" addr add 198.18.0.2/24 dev tg0
	ip -n "$SCAN_NS" link set sc0 up
	ip -n "$TARGET_NS" link set tg0 up
	ip -n "$TARGET_NS" route add local 198.18.1.0/24 dev lo
	ip -n "$SCAN_NS" route add 198.18.1.0/24 via 198.18.0.2 dev sc0
	local sc_mac tg_mac
	sc_mac=$(ip -n "$SCAN_NS" -br link show sc0 | awk '{print $3}')
	tg_mac=$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')
	ip -n "$TARGET_NS" neigh replace 198.18.0.100 lladdr "$sc_mac" dev tg0 nud permanent
	ip -n "$SCAN_NS" neigh replace 198.18.0.2 lladdr "$tg_mac" dev sc0 nud permanent
	# The target keeps no half-open state (always SYN cookies): a later job
	# probing the same (ip, port) from a source port an earlier job used would
	# otherwise hit the old SYN_RECV entry and get a SYN-ACK for the old ISN,
	# which scand correctly rejects.
	ip netns exec "$TARGET_NS" sysctl -qw net.ipv4.tcp_syncookies=2
	return 0
}

testbed_down() {
	for ns in ${EXTRA_NS:-}; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${SCAN_NS:-}" ] && ip netns del "$SCAN_NS" 2>/dev/null
	[ -n "${TARGET_NS:-}" ] && ip netns del "$TARGET_NS" 2>/dev/null
	return 0
}

# testbed_link NS IF TIF NET [METRIC]: one more veth from namespace NS
# (interface IF) to the target namespace (TIF) on NET.0/24 (NET.1 scanner,
# NET.2 target), with scan source NET.100 (unowned, pinned on the target) and
# a route to the target range 198.18.1.0/24 through it.
testbed_link() {
	local ns=$1 ifn=$2 tif=$3 net=$4 metric=${5:-100}
	ip link add "$ifn" netns "$ns" type veth peer name "$tif" netns "$TARGET_NS" || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$net.1/24" dev "$ifn"
	ip -n "$TARGET_NS" addr add "$net.2/24" dev "$tif"
	ip -n "$ns" link set "$ifn" up
	ip -n "$TARGET_NS" link set "$tif" up
	ip -n "$ns" route add 198.18.1.0/24 via "$net.2" dev "$ifn" metric "$metric"
	ip -n "$TARGET_NS" neigh replace "$net.100" lladdr "$(ip -n "$ns" -br link show "$ifn" | awk '{print $3}')" dev "$tif" nud permanent
	ip -n "$ns" neigh replace "$net.2" lladdr "$(ip -n "$TARGET_NS" -br link show "$tif" | awk '{print $3}')" dev "$ifn" nud permanent
}

# testbed_scanner IDX: another scanner namespace (name in SCAN_NS_IDX) with
# its own sc0 on 198.18.(110+IDX).0/24, for several daemons against one target.
testbed_scanner() {
	local ns=scand-s$1-${TESTBED_ID:-$$}
	ip netns add "$ns" || return 1
	EXTRA_NS="${EXTRA_NS:-} $ns"
	testbed_link "$ns" sc0 "tgs$1" "198.18.$((110 + $1))"
	eval "SCAN_NS_$1=$ns"
}

# testbed_ipv6: IPv6 on the sc0/tg0 pair (2001:db8::1 / ::2); the target
# answers for 2001:db8:1::/120 (AnyIP); scan source 2001:db8::100 is unowned
# and pinned on the target like the IPv4 one.
testbed_ipv6() {
	ip -n "$SCAN_NS" addr add 2001:db8::1/64 dev sc0 nodad
	ip -n "$TARGET_NS" addr add 2001:db8::2/64 dev tg0 nodad
	ip -n "$TARGET_NS" -6 route add local 2001:db8:1::/120 dev lo
	ip -n "$SCAN_NS" -6 route add 2001:db8:1::/120 via 2001:db8::2 dev sc0
	ip -n "$TARGET_NS" -6 neigh replace 2001:db8::100 lladdr "$(ip -n "$SCAN_NS" -br link show sc0 | awk '{print $3}')" dev tg0 nud permanent
	ip -n "$SCAN_NS" -6 neigh replace 2001:db8::2 lladdr "$(ip -n "$TARGET_NS" -br link show tg0 | awk '{print $3}')" dev sc0 nud permanent
}
