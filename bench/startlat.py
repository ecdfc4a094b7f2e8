#!/usr/bin/env python3
"""Job start/end latency and one-probe turnaround of a running scand (bench/start.sh).

start:      N one-probe jobs, one after the other. For each: job.submit returns ->
            first probe on the wire (kernel receive timestamp on the target's veth,
            when --capture names it) and -> the engine's TX counter moving
            (telemetry.get, polled); then the first probe -> the job seen final.
turnaround: wall time of `scanctl submit HOST -p PORT --cooldown 0 --wait` vs
            `zmap -c 0` for the same single probe, alternating, same run.
breakdown:  where scanctl's turnaround goes: the wall time of a process start
            (`true`), `scanctl heartbeat`, `submit`, `submit --wait` and
            `submit --wait -o -`, each run back to back; the differences are the
            costs of one request, a durable submit, waiting for the end, the results.
Only 198.18.0.0/15 targets are accepted."""
import argparse
import ipaddress
import json
import socket
import struct
import subprocess
import sys
import threading
import time

BENCH_NET = ipaddress.ip_network("198.18.0.0/15")
SO_TIMESTAMPNS = 35
ETH_P_IP = 0x0800
FINAL = ("done", "failed", "cancelled")


def bench_addr(s):
    a = ipaddress.ip_address(s)
    if a not in BENCH_NET:
        sys.exit(f"startlat: {s} is outside 198.18.0.0/15; benchmarks only send to the benchmarking range")
    return a


class Rpc:
    """One JSON-RPC 2.0 connection to scand's control socket (responses in order)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        try:
            self.s.connect(path)
        except OSError as e:
            sys.exit(f"startlat: cannot connect to scand at {path}: {e} (is scand running?)")
        self.buf = b""
        self.id = 0

    def call(self, method, params=None):
        self.id += 1
        req = {"jsonrpc": "2.0", "id": self.id, "method": method}
        if params is not None:
            req["params"] = params
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(1 << 16)
                if not chunk:
                    sys.exit(f"startlat: scand closed the connection during {method}")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if msg.get("id") != self.id:
                continue  # a notification
            if "error" in msg:
                raise RuntimeError(f"{method}: {msg['error'].get('message')} {msg['error'].get('data', '')}")
            return msg["result"]

    def tx_packets(self):
        return sum(int(n.get("tx_packets", 0)) for n in self.call("telemetry.get")["nics"])


class Capture(threading.Thread):
    """First kernel receive timestamp (CLOCK_REALTIME ns) of each TCP SYN
    (dst, dport) from src on an interface of this network namespace."""

    def __init__(self, ifname, src):
        super().__init__(daemon=True)
        self.src = ipaddress.ip_address(src).packed
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((ifname, ETH_P_IP))
        self.first = {}
        self.lock = threading.Lock()

    def run(self):
        while True:
            data, anc, _, _ = self.sock.recvmsg(256, socket.CMSG_SPACE(16))
            ts = next((struct.unpack("qq", d[:16]) for lvl, typ, d in anc
                       if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS), None)
            key = self.syn_key(data)
            if ts and key:
                with self.lock:
                    self.first.setdefault(key, ts[0] * 10**9 + ts[1])

    def syn_key(self, f):
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6 or f[26:30] != self.src:
            return None
        l4 = 14 + (f[14] & 15) * 4
        if len(f) < l4 + 14 or f[l4 + 13] & 0x12 != 0x02:  # SYN without ACK
            return None
        return (str(ipaddress.ip_address(f[30:34])), struct.unpack("!H", f[l4 + 2:l4 + 4])[0])

    def get(self, key):
        with self.lock:
            return self.first.get(key)


def wait_for(pred, timeout, step=0.0):
    """Polls pred() until it returns a value; (value, time_ns when seen) or (None, None)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v is not None:
            return v, time.time_ns()
        if step:
            time.sleep(step)
    return None, None


def one_job(rpc, cap, i, args):
    dst = str(ipaddress.ip_address(int(bench_addr(args.target_base)) + i % 254))
    port = args.port_base + i
    params = {"targets": [dst], "ports": str(port), "cooldown_s": 0, "name": f"startlat-{i}"}
    if args.gateway_mac:
        params["gateway_mac"] = args.gateway_mac
    base = rpc.tx_packets()
    t_sent = time.time_ns()
    job = rpc.call("job.submit", params)["job_id"]
    t_ret = time.time_ns()
    _, t_tx = wait_for(lambda: True if rpc.tx_packets() > base else None, args.timeout)
    t_wire = None
    if cap:
        t_wire, _ = wait_for(lambda: cap.get((dst, port)), args.timeout, 0.0005)
    state, t_end = wait_for(lambda: (lambda s: s if s in FINAL else None)(
        rpc.call("job.status", {"job_id": job})["state"]), args.timeout, args.status_poll)
    if state != "done":
        sys.exit(f"startlat: job {job} ({dst}:{port}) ended {state or 'not within the timeout'}")
    if t_tx is None:
        sys.exit(f"startlat: job {job}: the TX counter never moved within {args.timeout} s")
    if cap and t_wire is None:
        sys.exit(f"startlat: job {job}: no SYN to {dst}:{port} captured on {args.capture}")
    first = t_wire if t_wire is not None else t_tx
    return {"wire": None if t_wire is None else (t_wire - t_ret) / 1e6,
            "wire_from_send": None if t_wire is None else (t_wire - t_sent) / 1e6,
            "counter": (t_tx - t_ret) / 1e6, "end": (t_end - first) / 1e6,
            "submit_rtt": (t_ret - t_sent) / 1e6}


def stats(xs):
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, max(0, -(-len(xs) * q // 100) - 1))]  # nearest rank
    return {"n": len(xs), "min": xs[0], "median": p(50), "p99": p(99), "max": xs[-1]}


def cmd_start(args):
    rpc = Rpc(args.socket)
    cap = None
    if args.capture:
        cap = Capture(args.capture, args.source_ip)
        cap.start()
    rows = [one_job(rpc, cap, i, args) for i in range(args.jobs)]
    out = {"label": args.label, "jobs": args.jobs}
    for k in ("submit_rtt", "wire", "wire_from_send", "counter", "end"):
        vals = [r[k] for r in rows if r[k] is not None]
        if vals:
            out[k] = stats(vals)
    descr = {"submit_rtt": "job.submit round trip", "wire": "submit returned -> first probe on the wire",
             "wire_from_send": "submit sent -> first probe on the wire",
             "counter": "submit returned -> engine TX counter moved (polled)",
             "end": "first probe -> job seen done (cooldown 0)"}
    for k, d in descr.items():
        if k in out:
            s = out[k]
            print(f"  {args.label}: {d}: median {s['median']:.3f} ms, p99 {s['p99']:.3f} ms "
                  f"(min {s['min']:.3f}, max {s['max']:.3f}, n={s['n']})")
    print("START " + json.dumps(out))


def timed(cmd, retry_abort=0):
    """Wall time (ms) and stdout of cmd; exits on failure. A run killed by SIGABRT
    is repeated up to retry_abort times (zmap 2.1.1 sometimes fails an assertion in
    constraint_lookup_index on a one-address target); returns the retries too."""
    for attempt in range(retry_abort + 1):
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        dt = (time.monotonic() - t0) * 1e3
        if p.returncode != -6:
            break
    if p.returncode != 0:
        sys.exit(f"startlat: {' '.join(cmd)} failed (exit {p.returncode}):\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return dt, p.stdout, attempt


def cmd_turnaround(args):
    host = str(bench_addr(args.host))
    scanctl = [args.scanctl, "--socket", args.socket, "submit", host, "-p", str(args.port),
               "--cooldown", "0", "--wait", "-o", "-"]
    if args.gateway_mac:
        scanctl += ["--gateway-mac", args.gateway_mac]
    zmap = ["zmap", "-q", "-i", args.iface, "-p", str(args.port), "-S", args.source_ip,
            "-b", args.blocklist, "-c", "0", "-o", "-", f"{host}/32"]
    if args.gateway_mac:
        zmap += ["-G", args.gateway_mac]
    # with no cooldown neither tool waits for the reply: the run must succeed, and
    # how often the open port made it into the output is reported, not required
    s, z, sf, zf, zretry = [], [], 0, 0, 0
    for _ in range(args.runs):
        dt, out, _ = timed(scanctl)
        s.append(dt)
        sf += host in out and '"open"' in out
        dt, out, again = timed(zmap, retry_abort=3)
        z.append(dt)
        zf += host in out
        zretry += again
    ss, zs = stats(s), stats(z)
    print(f"  scanctl submit --cooldown 0 --wait: median {ss['median']:.1f} ms "
          f"(min {ss['min']:.1f}, max {ss['max']:.1f}, n={ss['n']}; open port in the output {sf}/{args.runs})")
    print(f"  zmap -c 0:                          median {zs['median']:.1f} ms "
          f"(min {zs['min']:.1f}, max {zs['max']:.1f}, n={zs['n']}; open port in the output {zf}/{args.runs})")
    print(f"  all runs, ms: scanctl {' '.join(f'{v:.0f}' for v in sorted(s))}; zmap {' '.join(f'{v:.0f}' for v in sorted(z))}")
    if zretry:
        print(f"  (zmap aborted {zretry} time(s) on its constraint_lookup_index assertion; those runs were repeated)")
    print(f"  scand / zmap wall time: {ss['median'] / zs['median']:.2f} (goal <= 0.10)")
    print("TURNAROUND " + json.dumps({"scanctl": ss, "zmap": zs, "scanctl_found": sf, "zmap_found": zf, "zmap_aborts": zretry}))


def cmd_breakdown(args):
    host = str(bench_addr(args.host))
    base = [args.scanctl, "--socket", args.socket]
    submit = base + ["submit", host, "-p", str(args.port), "--cooldown", "0"]
    if args.gateway_mac:
        submit += ["--gateway-mac", args.gateway_mac]
    steps = [("process start (true)", ["true"]), ("scanctl heartbeat", base + ["heartbeat"]),
             ("submit", submit), ("submit --wait", submit + ["--wait"]),
             ("submit --wait -o -", submit + ["--wait", "-o", "-"])]
    out = {}
    for name, cmd in steps:
        vals = [timed(cmd)[0] for _ in range(args.runs)]
        out[name] = stats(vals)
        print(f"  {name:<22} median {out[name]['median']:.2f} ms (min {out[name]['min']:.2f}, "
              f"max {out[name]['max']:.2f}, n={args.runs})")
        if args.all:
            print("    all, ms: " + " ".join(f"{v:.1f}" for v in sorted(vals)))
    print(f"BREAKDOWN {args.label} " + json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--gateway-mac")
    ap.add_argument("--source-ip", default="198.18.0.100")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start")
    st.add_argument("--jobs", type=int, default=100)
    st.add_argument("--capture", help="interface of this netns that sees the probes")
    st.add_argument("--label", default="scand")
    st.add_argument("--target-base", default="198.18.1.1")
    st.add_argument("--port-base", type=int, default=20000)
    st.add_argument("--timeout", type=float, default=30)
    st.add_argument("--status-poll", type=float, default=0.001)
    ta = sub.add_parser("turnaround")
    ta.add_argument("--runs", type=int, default=20)
    ta.add_argument("--host", default="198.18.1.1")
    ta.add_argument("--port", type=int, default=80)
    ta.add_argument("--iface", default="sc0")
    ta.add_argument("--blocklist", required=True)
    ta.add_argument("--scanctl", required=True)
    bd = sub.add_parser("breakdown")
    bd.add_argument("--runs", type=int, default=30)
    bd.add_argument("--host", default="198.18.1.1")
    bd.add_argument("--port", type=int, default=80)
    bd.add_argument("--scanctl", required=True)
    bd.add_argument("--label", default="scand")
    bd.add_argument("--all", action="store_true", help="print every run's time too")
    args = ap.parse_args()
    bench_addr(args.source_ip)
    {"start": cmd_start, "turnaround": cmd_turnaround, "breakdown": cmd_breakdown}[args.cmd](args)


if __name__ == "__main__":
    main()
