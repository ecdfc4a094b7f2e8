#!/usr/bin/env python3
"""Heartbeat latency probe: one connection to scand's control socket, a
heartbeat every INTERVAL ms, each reply's round-trip time recorded, until
the file STOP exists; then prints {"n", "p50_ms", "p99_ms", "max_ms",
"errors"} as JSON. Usage: hbprobe.py SOCKET STOP [INTERVAL_MS]"""
import json, os, socket, sys, time

sock_path, stop = sys.argv[1], sys.argv[2]
interval = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.002
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
s.settimeout(30)
f = s.makefile("rb")
lat, errors, n = [], 0, 0
while not os.path.exists(stop):
    n += 1
    t0 = time.perf_counter()
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": n, "method": "heartbeat"}).encode() + b"\n")
    reply = json.loads(f.readline())
    lat.append((time.perf_counter() - t0) * 1000)
    errors += "result" not in reply
    time.sleep(interval)
lat.sort()
pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 3) if lat else None
print(json.dumps({"n": len(lat), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                  "max_ms": round(lat[-1], 3) if lat else None, "errors": errors}))
