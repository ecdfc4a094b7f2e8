"""The job mix: keeps 3-6 jobs unfinished at any time (several running, some
queued), each a Job whose life ends with its checks; the disturbances spawn
jobs of their own so that each one meets a job it must not break."""
import asyncio
import traceback

from .ctx import Failed
from .jobs import Job

JOB_TIMEOUT = 240   # seconds from submit to the last row; covers restarts and holds


class Mix:
    def __init__(self, ctx, daemon):
        self.ctx, self.daemon = ctx, daemon
        self.jobs, self.live, self.tasks = [], [], []

    async def _life(self, job):
        try:
            await job.life(JOB_TIMEOUT)
        except Failed:
            pass
        except Exception:  # a bug of the soak itself: stop and say where
            self.ctx.failures.append(f"job {job.describe()}: {traceback.format_exc()}")
            self.ctx.log(f"FAIL: {self.ctx.failures[-1]}")
            self.ctx.stop.set()
        finally:
            if job.id in self.live:
                self.live.remove(job.id)

    def start(self, **force):
        job = Job(self.ctx, self.daemon, len(self.jobs) + 1, **force)
        self.jobs.append(job)
        self.tasks.append(asyncio.ensure_future(self._life(job)))
        return job

    async def spawn(self, **force):
        """A job that is sending when this returns."""
        job = self.start(**force)
        while job.id is None and job.final_t is None:
            await asyncio.sleep(0.05)
        await job.wait_sending()
        return job

    def unfinished(self):
        return sum(1 for j in self.jobs if j.final_t is None)

    async def run(self, until):
        """Opens with the heaviest jobs the mix has, so that the warm-up's
        memory, the base of the RSS bound, includes what they take."""
        for kind in ("wide", "large", "wide", "large"):
            self.start(kind=kind, plan="done")
        want = 3
        while self.ctx.now() < until and not self.ctx.stop.is_set():
            for j in self.jobs:
                if j.id and j.final_t is None and j.id not in self.live:
                    self.live.append(j.id)
            if self.unfinished() < want:
                self.start()
                want = self.ctx.rng.randint(3, 6)
            await asyncio.sleep(0.3)

    async def drain(self, timeout):
        """Waits for every job's life to end (no new ones are started)."""
        pending = [t for t in self.tasks if not t.done()]
        if pending:
            done, pending = await asyncio.wait(pending, timeout=timeout)
        if pending and not self.ctx.stop.is_set():
            left = [j.describe() for j in self.jobs if j.final_t is None]
            self.ctx.failures.append(f"{len(left)} job(s) unfinished {timeout} s after the load ended: {left}")
            self.ctx.stop.set()
        for t in pending:
            t.cancel()
