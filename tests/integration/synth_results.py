#!/usr/bin/env python3
"""Replaces a stopped scand's finished job's results with N synthetic rows
and makes its checkpoint agree (tests of results at scale).
Row i: host i // 65535 (198.18.0.0 on), port i % 65535 + 1: a unique
(ip, port) per row, open when i % 64 == 0. Usage: synth_results.py JOBDIR N"""
import json, os, sys

jobdir, n = sys.argv[1], int(sys.argv[2])
head, tail = '{"ip":"198.18.', '"ttl":64,"ts":"2026-12-07T10:00:00.000Z","nic":"sc0"}\n'
opened = 0
with open(os.path.join(jobdir, "results.ndjson"), "w") as f:
    chunk = []
    for i in range(n):
        host, port = divmod(i, 65535)
        port += 1
        st = "open" if i % 64 == 0 else "closed"
        opened += st == "open"
        chunk.append(f'{head}{host >> 8 & 1}.{host & 255}","port":{port},"status":"{st}",{tail}')
        if len(chunk) == 100000:
            f.write("".join(chunk))
            chunk = []
    f.write("".join(chunk))
size = os.path.getsize(os.path.join(jobdir, "results.ndjson"))
cp = os.path.join(jobdir, "checkpoint.json")
c = json.load(open(cp))
c.update(results=n, results_bytes=size, replies=n, open=opened, closed=n - opened)
json.dump(c, open(cp, "w"))
for stale in ("results.idx", "results.corrupt"):
    if os.path.exists(os.path.join(jobdir, stale)):
        os.unlink(os.path.join(jobdir, stale))
print(f"{n} rows, {size} bytes")
