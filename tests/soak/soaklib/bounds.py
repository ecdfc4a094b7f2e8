"""The growth bounds the samples must stay within after warm-up. Each bound
is the warm-up maximum plus a margin that says what may legitimately vary;
state_dir has an absolute bound per job directory instead (sample.py)."""

# metric: (margin, unit, why the margin)
MARGINS = {
    # 10-minute run here (2026-11-30): at most 15 MB above the warm-up maximum
    "rss_kb": (48 * 1024, "kB",
               "jobs in flight differ (the mix opens with its heaviest, two wide and two "
               "large, but up to 8 can hold their targets at once) and ASan's quarantine "
               "(16 MB) refills; memory kept per job crosses it at 200 kB a job between two "
               "kill -9 (3 min, ~250 jobs), and LeakSanitizer at the last SIGTERM reports "
               "any unreachable block"),
    "fds": (16, "",
            "per running job its results file, per result stream and scanctl call a socket; "
            "these come and go, the 50 pollers stay"),
    "threads": (2, "", "queue workers start with the NICs and a re-opened NIC replaces its own; "
                "the row-index rebuilds after a restart or for a reader run at most 2 threads "
                "(JOBINDEX_MAX_BUILDS), the others wait"),
}


class Bounds:
    def __init__(self, samples, warm, ctx):
        self.ctx = ctx
        self.warm = [s for s in samples if s["t"] < warm]
        self.after = [s for s in samples if s["t"] >= warm]

    def limit(self, metric):
        return max(s[metric] for s in self.warm) + MARGINS[metric][0]

    def check(self):
        if len(self.warm) < 5 or len(self.after) < 10:
            return [f"too few samples ({len(self.warm)} in warm-up, {len(self.after)} after)"]
        errs = []
        for metric, (margin, unit, why) in MARGINS.items():
            worst = max(self.after, key=lambda s: s[metric])
            if worst[metric] > self.limit(metric):
                errs.append(f"{metric} grew to {worst[metric]}{unit} at {worst['t']:.0f} s, above "
                            f"its bound {self.limit(metric)}{unit} (warm-up max + {margin}: {why})")
        return errs

    def table(self):
        rows = ["| metric | warm-up max | bound | max after warm-up | last |", "|---|---|---|---|---|"]
        for metric in list(MARGINS) + ["state_bytes"]:
            w = max(s[metric] for s in self.warm) if self.warm else None
            b = self.limit(metric) if metric in MARGINS and self.warm else "per job"
            a = max(s[metric] for s in self.after) if self.after else None
            last = self.after[-1][metric] if self.after else None
            rows.append(f"| {metric} | {w} | {b} | {a} | {last} |")
        return "\n".join(rows)
