"""Samples scand once a second: RSS, open fds and threads from /proc, the
bytes under state_dir (walked like `du`), and heartbeat's job counts and its
own state_dir figure. Samples go to a CSV for the plot. Every job directory
is checked against the most its job can hold, and the directories against
the jobs scand reports (retention must delete what it forgets)."""
import asyncio
import csv
import os

from .rpc import Conn

FIELDS = ["t", "incarnation", "rss_kb", "fds", "threads", "state_bytes", "daemon_state_bytes",
          "running", "queued", "held", "finished", "pps", "job_dirs"]
FINAL = ("done", "failed", "cancelled")
# Bound of a job directory: ROW_BYTES per probe of its space (the longest row,
# {"ip":"198.18.1.254","port":300,"status":"closed","ttl":255,"ts":"...","nic":"sc1"},
# is 103 bytes; the sparse row index adds a few per 1000 rows), TARGET_BYTES
# per target outside 198.18.1.0/24 (wide jobs: each address is a string in
# spec.json and a range of two 32-digit hex numbers in space.json), plus
# JOB_FIXED for the rest of spec.json, checkpoint.json, space.json and the
# file system's blocks.
ROW_BYTES = 128
TARGET_BYTES = 128
JOB_FIXED = 64 << 10


def proc_status(pid):
    """(RSS in kB, threads) from /proc/PID/status."""
    rss = threads = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def tree_bytes(path):
    """Allocated bytes of everything under path (st_blocks, as du counts)."""
    total = 0
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass  # deleted by retention meanwhile
    return total


class Sampler:
    def __init__(self, ctx, daemon, mix, csv_path):
        self.ctx, self.daemon, self.mix = ctx, daemon, mix
        self.samples = []
        self.out = open(csv_path, "w", newline="")
        self.csv = csv.DictWriter(self.out, FIELDS)
        self.csv.writeheader()
        self.conn = None
        self.fullest = 0.0   # the largest job directory's share of its bound

    async def heartbeat(self):
        if self.conn is None or self.conn.closed.is_set():
            self.conn = await Conn(self.ctx.sock).open()
        return await self.conn.call("heartbeat", timeout=10)

    async def one(self):
        pid = self.daemon.proc.pid
        try:
            rss, threads = proc_status(pid)
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            hb = await self.heartbeat()
            dirs = self.job_dirs()
            hb2 = await self.heartbeat()
        except (OSError, ConnectionError, asyncio.TimeoutError):
            return None  # stopped between the check and the read
        jobs = hb["jobs"]
        if hb2["jobs"] == jobs and len(dirs) != sum(jobs.values()):
            self.ctx.fail(f"{len(dirs)} job directories under state_dir, scand keeps "
                          f"{sum(jobs.values())} jobs: {jobs}")
        return {"t": round(self.ctx.now(), 2), "incarnation": self.daemon.incarnation,
                "rss_kb": rss, "fds": fds, "threads": threads,
                "state_bytes": tree_bytes(self.ctx.state_dir),
                "daemon_state_bytes": hb["state_dir"]["used_bytes"],
                "running": jobs["running"] + jobs["cooldown"], "queued": jobs["queued"],
                "held": jobs["held"], "finished": sum(jobs[k] for k in FINAL), "pps": hb["pps"],
                "job_dirs": len(dirs)}

    def job_dirs(self):
        """Job directories, each checked against its job's bound."""
        by_id = {j.id: j for j in self.mix.jobs if j.id}
        out = []
        for e in os.scandir(os.path.join(self.ctx.state_dir, "jobs")):
            if not e.is_dir():
                continue
            out.append(e.name)
            job, size = by_id.get(e.name), tree_bytes(e.path)
            if job is None:
                if any(j.id is None and j.final_t is None for j in self.mix.jobs):
                    continue  # a submit's reply is on its way
                self.ctx.fail(f"state_dir/jobs/{e.name}: no job of the soak has this id")
            bound = len(job.hosts) * len(job.ports) * ROW_BYTES + len(job.extra) * TARGET_BYTES + JOB_FIXED
            self.fullest = max(self.fullest, size / bound)
            if size > bound:
                files = {f.name: f.stat().st_size for f in os.scandir(e.path)}
                self.ctx.fail(f"job {job.describe()} uses {size} bytes under state_dir, more than "
                              f"{bound} ({ROW_BYTES} per probe, {TARGET_BYTES} per other target, "
                              f"{JOB_FIXED} more): {files}")
        return out

    async def run(self):
        while not self.ctx.stop.is_set():
            await asyncio.sleep(1)
            if not self.daemon.up.is_set() or not self.daemon.alive():
                continue
            s = await self.one()
            if s is None or not self.daemon.up.is_set():
                continue
            self.samples.append(s)
            self.csv.writerow(s)
            self.out.flush()

    async def close(self):
        if self.conn:
            await self.conn.close()
        self.out.close()
