#!/usr/bin/env python3
"""Checks one fleet scan and merges its results (used by scan.yml).

For each host, DIR holds HOST.status.json (job.status at the end) and
HOST.ndjson (its result rows). The N jobs must be shards 0..N-1 of N; with T
the sum of their totals, shard i must hold floor((i+1)T/N) - floor(iT/N)
probes (scand's shard formula: the shards then tile the whole space); each
host's rows must number its job's result count, and no (ip, port) may come
from two hosts. Writes DIR/all.ndjson. Usage:
check_fleet.py DIR HOST... [--expected-total T]"""
import json, sys


def main(argv):
    expected = None
    if "--expected-total" in argv:
        k = argv.index("--expected-total")
        expected = int(argv[k + 1])
        argv = argv[:k] + argv[k + 2:]
    d, hosts = argv[0], argv[1:]
    errs, seen, merged = [], {}, []
    st = {h: json.load(open(f"{d}/{h}.status.json")) for h in hosts}
    n, total = len(hosts), sum(s["total"] for s in st.values())
    index = sorted(s["shard"]["index"] for s in st.values())
    if index != list(range(n)) or any(s["shard"]["count"] != n for s in st.values()):
        errs.append(f"shards are {[(h, s['shard']) for h, s in st.items()]}, not 0..{n - 1} of {n}")
    for h, s in st.items():
        i = s["shard"]["index"]
        want = (i + 1) * total // n - i * total // n
        if s["total"] != want:
            errs.append(f"{h}: shard {i}/{n} holds {s['total']} probes, {want} expected of {total}")
        rows = [json.loads(line) for line in open(f"{d}/{h}.ndjson") if line.strip()]
        if len(rows) != s["results"]:
            errs.append(f"{h}: {len(rows)} rows fetched, the job has {s['results']}")
        for r in rows:
            key = (r["ip"], r["port"])
            if key in seen:
                errs.append(f"{key} reported by {seen[key]} and {h}")
            seen[key] = h
        merged += rows
    if expected is not None and total != expected:
        errs.append(f"the shards' totals add up to {total}, not {expected}")
    with open(f"{d}/all.ndjson", "w") as f:
        for r in merged:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    opened = sum(1 for r in merged if r["status"] == "open")
    print(f"{n} hosts, {total} probes in all ({', '.join(str(st[h]['total']) for h in hosts)}), "
          f"{len(merged)} rows, {opened} open -> {d}/all.ndjson")
    for e in errs[:20]:
        print("ERROR:", e)
    return 1 if errs else 0


sys.exit(main(sys.argv[1:]))
