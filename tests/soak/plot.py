#!/usr/bin/python3
"""Plots a soak run's samples (samples.csv and run.json from SOAK_OUT): RSS,
open fds, threads and state_dir bytes over time, with each bound after
warm-up, the kill -9 restarts (dashed) and the warm-up (shaded).
Usage: tests/soak/plot.py SOAK_OUT_DIR OUT.png [--title TEXT]
Needs python3-matplotlib (apt-get install python3-matplotlib): a tool for
BENCHMARKS.md, not used by any test, so scripts/test does not install it."""
import argparse
import csv
import json
import os
import sys

try:
    import matplotlib
except ImportError:
    sys.exit("plot.py needs matplotlib: apt-get install python3-matplotlib")

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soaklib.bounds import MARGINS  # noqa: E402

PANELS = [("rss_kb", "RSS (MiB)", 1 / 1024), ("fds", "open fds", 1), ("threads", "threads", 1),
          ("state_bytes", "state_dir (MiB)", 1 / 2**20)]


def main():
    a = argparse.ArgumentParser(description=__doc__)
    a.add_argument("dir")
    a.add_argument("png")
    a.add_argument("--title", default="scand soak (ASan+UBSan)")
    args = a.parse_args()
    rows = [{k: float(v) for k, v in r.items()}
            for r in csv.DictReader(open(os.path.join(args.dir, "samples.csv")))]
    t = [r["t"] for r in rows]
    warm = json.load(open(os.path.join(args.dir, "run.json")))["warm_s"]
    restarts = [b["t"] for a_, b in zip(rows, rows[1:]) if b["incarnation"] != a_["incarnation"]]
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(8, 7.5), sharex=True)
    for ax, (key, label, scale) in zip(axes, PANELS):
        ax.plot(t, [r[key] * scale for r in rows], lw=0.8)
        if key in MARGINS:
            bound = max(r[key] for r in rows if r["t"] < warm) + MARGINS[key][0]
            ax.axhline(bound * scale, color="red", lw=0.8, ls=":", label="bound")
            ax.legend(loc="upper right", fontsize=7)
        ax.axvspan(0, warm, color="0.9")
        for x in restarts:
            ax.axvline(x, color="0.4", lw=0.7, ls="--")
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("seconds (shaded: warm-up; dashed: kill -9 and restart)", fontsize=8)
    fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.png, dpi=80)


if __name__ == "__main__":
    main()
