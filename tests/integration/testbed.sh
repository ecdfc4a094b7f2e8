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
	[ -n "${SCAN_NS:-}" ] && ip netns del "$SCAN_NS" 2>/dev/null
	[ -n "${TARGET_NS:-}" ] && ip netns del "$TARGET_NS" 2>/dev/null
	return 0
}
