#!/usr/bin/env python3
"""Summary lines for bench/xdp.sh. Each measurement is "PPS NS CPU": packets per
second, CPU ns of the sending thread(s) per packet and their mean CPU share
(NS and CPU are "-" for tools whose threads are not measured; CPU is then the
busiest thread's share from top).
usage: xdpsum.py drop LOAD "BARE_CORE0 BARE_CORE1.." "SCAND_CORE0 .." AF_PACKET ZMAP MASSCAN
       xdpsum.py kernel LOAD AF_XDP AF_PACKET ZMAP MASSCAN
       xdpsum.py queues LOAD BARE1_C0 BARE1_C1 BARE2_C01 BARE2_C10 SCAND_Q1 SCAND_Q2"""
import json
import sys


def meas(s):
    """'pps ns cpu' -> dict; ns None when not measured."""
    pps, ns, cpu = s.split()
    return {"pps": int(pps), "ns": None if ns == "-" else int(ns), "cpu": cpu}


def triples(s):
    v = s.split()
    return [meas(" ".join(v[i:i + 3])) for i in range(0, len(v), 3)]


def fmt(m):
    extra = f", {m['ns']:,} ns CPU/pkt, {m['cpu']}% CPU" if m["ns"] is not None else f", busiest thread {m['cpu']}%"
    return f"{m['pps']:,} pps{extra}"


def ratio(a, b):
    return a / b if b else float("nan")


def drop(load, bare, scand, afp, zmap, masscan):
    bare, scand = triples(bare), triples(scand)
    afp, zmap, masscan = meas(afp), meas(zmap), meas(masscan)
    bb = max(range(len(bare)), key=lambda i: bare[i]["pps"])
    xb = max(range(len(scand)), key=lambda i: scand[i]["pps"])
    b_ns = min(m["ns"] for m in bare if m["ns"])
    x_ns = min(m["ns"] for m in scand if m["ns"])
    print(f"1 queue, peer drops in XDP (load {load}):")
    for name, v, best in (("bare AF_XDP sender", bare, bb), ("scand af_xdp", scand, xb)):
        per = "; ".join(f"core {i}: {fmt(m)}" for i, m in enumerate(v))
        print(f"  {name}: {per} -> best {v[best]['pps']:,} pps (core {best})")
    print(f"  scand af_packet {fmt(afp)}; zmap {fmt(zmap)}; masscan {fmt(masscan)}")
    same = ", ".join(f"core {i} {ratio(x['pps'], b['pps']):.2f}" for i, (x, b) in enumerate(zip(scand, bare)))
    print(f"  scand af_xdp / bare, pps: best/best {ratio(scand[xb]['pps'], bare[bb]['pps']):.2f} (same core: {same})")
    print(f"  scand af_xdp / bare, CPU per packet: bare {b_ns} ns, scand {x_ns} ns -> scand at "
          f"{ratio(b_ns, x_ns):.2f} of the bare sender's packets per CPU second")
    x = scand[xb]["pps"]
    print(f"  ratios: af_xdp/zmap {ratio(x, zmap['pps']):.2f}x, af_xdp/masscan {ratio(x, masscan['pps']):.2f}x, "
          f"af_packet/zmap {ratio(afp['pps'], zmap['pps']):.2f}x")
    return {"section": "drop", "load": load, "bare": bare, "scand_af_xdp": scand, "af_packet": afp,
            "zmap": zmap, "masscan": masscan}


def kernel(load, x, p, z, m):
    x, p, z, m = meas(x), meas(p), meas(z), meas(m)
    print(f"1 queue, kernel answers (load {load}):")
    print(f"  scand af_xdp {fmt(x)}; scand af_packet {fmt(p)}; zmap {fmt(z)}; masscan {fmt(m)}")
    print(f"  ratios: af_xdp/zmap {ratio(x['pps'], z['pps']):.2f}x, af_xdp/masscan {ratio(x['pps'], m['pps']):.2f}x, "
          f"af_packet/zmap {ratio(p['pps'], z['pps']):.2f}x")
    return {"section": "kernel", "load": load, "scand_af_xdp": x, "af_packet": p, "zmap": z, "masscan": m}


def queues(load, b1c0, b1c1, b2a, b2b, x1, x2):
    b1c0, b1c1, b2a, b2b, x1, x2 = map(meas, (b1c0, b1c1, b2a, b2b, x1, x2))
    b1, b2 = max(b1c0, b1c1, key=lambda m: m["pps"]), max(b2a, b2b, key=lambda m: m["pps"])
    print(f"2-queue veth, peer drops in XDP (load {load}):")
    print(f"  bare, 1 sender on q0: core 0 {fmt(b1c0)}; core 1 {fmt(b1c1)}")
    print(f"  bare, 2 senders (q0, q1): cores 0, 1 {fmt(b2a)}; cores 1, 0 {fmt(b2b)}")
    print(f"  scand af_xdp: queues = 1 {fmt(x1)}; queues = 2 {fmt(x2)}")
    print(f"  scaling 1 -> 2 queues (best placement): bare {ratio(b2['pps'], b1['pps']):.2f}x, "
          f"scand {ratio(x2['pps'], x1['pps']):.2f}x; scand / bare: 1 queue {ratio(x1['pps'], b1['pps']):.2f}, "
          f"2 queues {ratio(x2['pps'], b2['pps']):.2f}")
    return {"section": "queues", "load": load, "bare1": [b1c0, b1c1], "bare2": [b2a, b2b],
            "scand1": x1, "scand2": x2}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    out = {"drop": drop, "kernel": kernel, "queues": queues}[mode](*args)
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
