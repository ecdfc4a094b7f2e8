#!/usr/bin/env python3
"""Groups the cpu-clock samples of bench/profile.sh by what the code does and
prints ns per packet for scand's af_xdp worker and the bare AF_XDP sender,
or (--variants) one line per bare-sender variant listed in DIR/variants.
usage: perfsplit.py [--variants] DIR   (DIR holds NAME.report, NAME.stat, NAME.*.packets)"""
import csv
import os
import re
import sys

# (group, dso kind, symbol regex): first match wins; kind "u" user, "k" kernel
GROUPS = [
    ("generation: perm_at (Feistel permutation)", "u", r"perm_at|feistel"),
    ("generation: space_at (index -> target)", "u", r"space_at|ranges_|targets_"),
    ("generation: validator_cookie (SipHash)", "u", r"validator_cookie|siphash"),
    ("generation: probe_build (frame + checksums)", "u", r"probe_build|csum_"),
    ("memcpy into UMEM (libc memcpy)", "u", r"memcpy|memmove"),
    ("TX ring: axdp_tx/reclaim, libxdp", "u", r"axdp_tx|reclaim|xsk_"),
    ("RX polling: axdp_rx, worker_receive", "u", r"axdp_rx|refill|worker_receive|reply_|worker_deliver"),
    ("clock reads (vDSO clock_gettime)", "u", r"clock_gettime|clock_mono|clock_real|mono_ns|realtime_ms|vdso"),
    ("worker loop, pacing, atomics", "u", r"worker_main|part_|round_once|run_until|kick|reap"),
    ("sendto wrapper (libc)", "u", r"sendto|pthread_.*asynccancel"),
    ("other user space", "u", r".*"),
    ("kernel: syscall entry/exit", "k",
     r"entry_SYSCALL|do_syscall|syscall_|__x64_sys|__sys_sendto|sock_sendmsg|xsk_sendmsg|__xsk_sendmsg|fdget|__fget|security_socket|"
     r"sockfd_lookup|exit_to_user|arch_exit|fpregs|switch_fpu|restore_fpregs|clear_bhb|srso|retbleed|x86_return_thunk"),
    ("kernel: AF_XDP copy-mode xmit (skb alloc, copy from UMEM)", "k",
     r"xsk_generic_xmit|__xsk_generic_xmit|xsk_build_skb|xskq_|xsk_tx|xp_|sock_alloc_send|alloc_skb|__alloc_skb|kmalloc_reserve|"
     r"kmem_cache_alloc|__kmalloc|skb_put|skb_set_owner_w|skb_store_bits|___slab_alloc|slab_alloc|memcg_slab_post_alloc|"
     r"__memcg_slab_post|obj_cgroup_charge|refill_obj_stock|mod_objcg|sock_wmalloc"),
    ("kernel: veth xmit to the peer", "k",
     r"veth_xmit|__dev_direct_xmit|netdev_core_pick_tx|validate_xmit|netif_skb_features|skb_network_protocol|__dev_forward_skb|"
     r"dev_forward_skb|skb_scrub_packet|eth_type_trans|veth_xdp_rx|__napi_schedule|ptr_ring|skb_clone_tx_timestamp|"
     r"passthru_features_check|harmonize_features|skb_csum_hwoffload_help|dev_hard_start_xmit|netif_rx|veth_forward_skb"),
    ("kernel: peer NAPI + XDP drop (softirq in the sender's context)", "k",
     r"net_rx_action|__napi_poll|veth_poll|veth_xdp_rcv|skb_pp_cow|page_pool|bpf_prog|napi_|handle_softirqs|do_softirq|"
     r"__local_bh_enable|__build_skb|__napi_build_skb|skb_copy_bits|skb_copy_header|__copy_skb_header|xdp_|bpf_|"
     r"_find_next_bit|irqtime|__do_softirq|__raise_softirq|raise_softirq|skb_headers_offset|rcu_read"),
    ("kernel: skb free + completion ring", "k",
     r"kfree_skb|sk_skb_reason_drop|consume_skb|skb_release|skb_free_head|kfree|kmem_cache_free|__slab_free|slab_free|"
     r"__memcg_slab_free|sock_wfree|xsk_destruct_skb|xsk_cq|skb_defer_free|napi_pp_put_page|put_page|__free_pages|"
     r"___free_pages|free_unref|skb_attempt_defer_free|__put_partials|put_cpu_partial"),
    ("kernel: memcpy (UMEM->skb and skb->page_pool copies)", "k", r"memcpy|memmove|__pi_memcpy|memcpy_orig|copy_"),
    ("kernel: spinlocks", "k", r"spin_|_raw_|queued_spin|pv_queued"),
    ("kernel: scheduler, timers, other", "k", r".*"),
]


def read_report(path):
    rows = []
    for line in open(path):
        m = re.match(r"\s*(\d+)\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if m:
            rows.append((int(m.group(1)), m.group(2), m.group(3), m.group(4).strip()))
    return rows


def group_of(kind, sym):
    k = "k" if kind == "k" else "u"
    for name, gk, rx in GROUPS:
        if gk == k and re.search(rx, sym):
            return name
    return "unknown"


def read_stat(path):
    vals = {}
    for row in csv.reader(l for l in open(path) if l.strip() and not l.startswith("#")):
        if len(row) > 2 and row[0] and not row[0].startswith("<"):
            vals[row[2]] = float(row[0])
    return vals


def num(path, i=0):
    return int(open(path).read().split()[i])


def summarize(d, name):
    rows = read_report(os.path.join(d, name + ".report"))
    pkts, rec_ns = num(os.path.join(d, name + ".rec.packets")), num(os.path.join(d, name + ".rec.packets"), 1)
    total = sum(r[0] for r in rows)
    st = read_stat(os.path.join(d, name + ".stat"))
    spk, st_ns = num(os.path.join(d, name + ".stat.packets")), num(os.path.join(d, name + ".stat.packets"), 1)
    groups = {}
    for period, _, kind, sym in rows:
        g = group_of(kind, sym)
        groups[g] = groups.get(g, 0) + period
    out = {"pkts": pkts, "ns_per_pkt": total / max(pkts, 1), "groups": groups, "total": total,
           "rows": sorted(rows, reverse=True), "pps": spk / (st_ns / 1e9), "rec_pps": pkts / (rec_ns / 1e9),
           "cpu": st.get("task-clock", 0) * 1e6 / st_ns, "kicks": st.get("syscalls:sys_enter_sendto", 0) / max(spk, 1),
           "recvfrom": st.get("syscalls:sys_enter_recvfrom", 0) / max(spk, 1),
           "sleeps": (st.get("syscalls:sys_enter_nanosleep", 0) + st.get("syscalls:sys_enter_clock_nanosleep", 0)),
           "cs": st.get("context-switches", 0)}
    return out


def extras(d):
    """scand only: ring-full bursts and probes built per probe sent."""
    lines = []
    p = os.path.join(d, "scand.ringfull")
    if os.path.exists(p):
        full, pk = num(p, 0), num(p, 1)
        lines.append(f"  TX bursts that found the ring full (engine counter): {full:,} for {pk:,} probes "
                     f"= one per {pk / max(full, 1):.1f} probes")
    p = os.path.join(d, "scand.uprobe")
    if os.path.exists(p):
        builds = sum(read_stat(p).values())
        sent = num(os.path.join(d, "scand.uprobe.packets"))  # same window (perf's workload)
        lines.append(f"  probe_build calls per probe sent (uprobe count, 1 s): {builds / max(sent, 1):.2f} "
                     f"({int(builds):,} built, {sent:,} sent)")
    return lines


def variants(d):
    rows = [l.rstrip("\n").split("\t", 1) for l in open(os.path.join(d, "variants")) if l.strip()]
    cols = [("kernel memcpy", "kernel: memcpy (UMEM->skb and skb->page_pool copies)"),
            ("syscall", "kernel: syscall entry/exit")]
    print(f"bare sender variants (perf, ns per packet): {'variant':28}{'pps':>11}{'pkts/kick':>10}{'CPU ns':>8}"
          + "".join(f"{c:>15}" for c, _ in cols))
    for name, label in rows:
        r = summarize(d, name)
        g = [r["groups"].get(k, 0) / max(r["pkts"], 1) for _, k in cols]
        print(f"  {label:28}{r['pps']:11,.0f}{1 / max(r['kicks'], 1e-9):10.1f}{r['ns_per_pkt']:8.0f}"
              + "".join(f"{x:15.1f}" for x in g))


def main():
    if sys.argv[1] == "--variants":
        return variants(sys.argv[2])
    d = sys.argv[1]
    res = {n: summarize(d, n) for n in ("scand", "bare") if os.path.exists(os.path.join(d, n + ".report"))}
    for n, r in res.items():
        label = "scand af_xdp worker" if n == "scand" else "bare AF_XDP sender"
        print(f"{label}: {r['pps']:,.0f} pps while perf stat ran, thread on CPU {r['cpu'] * 100:.0f}% "
              f"(task-clock), sendto kicks per packet {r['kicks']:.4f} (= {1 / max(r['kicks'], 1e-9):.1f} "
              f"packets per kick), recvfrom per packet {r['recvfrom']:.4f}, sleeps {r['sleeps']:.0f}, "
              f"context switches {r['cs']:.0f} in 2 s")
        print(f"  perf record: {r['total'] / 1e6:.0f} ms of thread time sampled for {r['pkts']:,} packets "
              f"({r['rec_pps']:,.0f} pps) = {r['ns_per_pkt']:.0f} ns per packet")
        if n == "scand":
            print("\n".join(extras(d)))
    names = [g[0] for g in GROUPS]
    print(f"\n{'where the time goes (ns per packet)':64}" + "".join(f"{n:>10}" for n in res) +
          ("   scand-bare" if len(res) == 2 else ""))
    for g in names + ["unknown"]:
        v = {n: r["groups"].get(g, 0) / max(r["pkts"], 1) for n, r in res.items()}
        if all(x < 0.5 for x in v.values()):
            continue
        line = f"{g:64}" + "".join(f"{x:10.1f}" for x in v.values())
        if len(res) == 2:
            line += f"{v['scand'] - v['bare']:+13.1f}"
        print(line)
    print(f"{'total':64}" + "".join(f"{r['ns_per_pkt']:10.1f}" for r in res.values()))
    for n, r in res.items():
        print(f"\ntop symbols, {n} (ns per packet, share):")
        for period, dso, kind, sym in r["rows"][:20]:
            print(f"  {period / max(r['pkts'], 1):7.1f}  {100 * period / max(r['total'], 1):5.1f}%  [{kind}] {sym}  ({dso})")


if __name__ == "__main__":
    main()
