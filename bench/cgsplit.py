#!/usr/bin/env python3
"""Instructions and calls per probe sent in scand's queue worker, from a
callgrind run (bench/profile.sh, CALLGRIND=1): exact counts, independent of
other load on the machine.
usage: cgsplit.py PROBES_SENT CALLGRIND_OUT_FILE..."""
import re
import subprocess
import sys

CALLS = ["probe_build", "perm_at", "validator_cookie", "space_at", "part_send", "axdp_tx", "axdp_rx",
         "worker_receive", "sendto", "recvfrom", "clock_mono_ns", "clock_real_ms", "clock_gettime",
         "nanosleep", "clock_nanosleep", "__memcpy_avx_unaligned_erms", "__memmove_avx512_unaligned_erms"]
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(<|\*)?\s*(\S+?):(\S+?)(?: \((\d[\d,]*)x\))?(?: \[.*\])?$")


def annotate(path, *opts):
    # from / : run elsewhere, callgrind_annotate shortens paths and drops caller lines
    return subprocess.run(["callgrind_annotate", "--threshold=100", *opts, path], cwd="/",
                          capture_output=True, text=True, check=True).stdout


def flat(path):
    """{function: Ir} of one thread's file (inlined header code folded in)."""
    out = {}
    for line in annotate(path).splitlines():
        m = LINE.match(line)
        if m and not m.group(2):
            out[m.group(4)] = out.get(m.group(4), 0) + int(m.group(1).replace(",", ""))
    return out


def calls(path):
    """{function: calls} summed over its callers."""
    out = {}
    for line in annotate(path, "--tree=caller").splitlines():
        m = LINE.match(line)
        if m and m.group(2) == "<" and m.group(5):
            pending = int(m.group(5).replace(",", ""))
            out.setdefault("_pending", []).append(pending)
        elif m and m.group(2) == "*":
            out[m.group(4)] = out.get(m.group(4), 0) + sum(out.pop("_pending", []))
    out.pop("_pending", None)
    return out


def main():
    sent = int(sys.argv[1])
    files = sys.argv[2:]
    worker = max(files, key=lambda f: flat(f).get("worker_main", 0))  # the thread running the loop
    ir, nc = flat(worker), calls(worker)
    total = sum(ir.values())
    print(f"callgrind, queue worker thread ({worker.rsplit('/', 1)[-1]}): {total:,} instructions for "
          f"{sent:,} probes sent = {total / sent:.0f} per probe")
    print("  instructions per probe sent, by function:")
    for fn, v in sorted(ir.items(), key=lambda kv: -kv[1]):
        if v / sent >= 0.5:
            print(f"    {v / sent:8.1f}  {fn}")
    print("  calls per probe sent:")
    for fn in CALLS:
        if nc.get(fn):
            print(f"    {nc[fn] / sent:8.4f}  {fn} ({nc[fn]:,} calls)")


if __name__ == "__main__":
    main()
