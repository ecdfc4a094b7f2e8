"""One job of the mix, from submit to its last check: what it scans, what is
done to it (run out, cancelled while running or queued, a refused delete
while it runs, deleted when done), its rows as streamed (events.subscribe
with results: true, resumed from next_offset after every restart), and the
checks of its final state and rows against ground truth."""
import asyncio
import json
import os

from .expect import check_rows
from .rpc import Conn, RpcError

PORT_MAX = 300              # jobs and listeners use ports 1..PORT_MAX
# wide jobs' extra targets: 198.18.128.0-198.19.255.255, offsets from 198.18.0.0
# (the target namespace answers only 198.18.1.0/24; the rest is dropped there)
WIDE_FIRST, WIDE_END = 128 << 8, 512 << 8
PLANS = ["done"] * 6 + ["cancel"] * 2 + ["cancel_early", "delete_running"]
FINAL = ("done", "failed", "cancelled")


class Job:
    def __init__(self, ctx, daemon, n, kind=None, nics=None, plan=None):
        """A random job of the mix; kind, nics, plan force those choices."""
        rng = ctx.rng
        self.ctx, self.daemon, self.n = ctx, daemon, n
        self.kind = kind or rng.choices(["small", "large", "wide"], [13, 5, 2])[0]
        self.extra = []   # targets outside 198.18.1.0/24: probed, never answered
        if self.kind == "large":  # every host x 80-150 ports: 20k-38k probes
            lo, hi = 1, 254
            a = rng.randint(1, PORT_MAX - 150)
            self.ports = list(range(a, a + rng.randint(80, 150)))
            self.rate = rng.choice([4000, 6000, 8000])
        elif self.kind == "wide":  # 40,000 more single addresses (no route answers them)
            lo, hi = 1, 254
            self.ports = sorted(rng.sample(range(1, PORT_MAX + 1), rng.randint(1, 2)))
            self.extra = [f"198.{18 + (a >> 16)}.{(a >> 8) & 255}.{a & 255}"
                          for a in sorted(rng.sample(range(WIDE_FIRST, WIDE_END), 40000))]
            self.rate = 8000
        else:           # 8-61 hosts x 2-6 ports
            lo = rng.randint(1, 200)
            hi = lo + rng.randint(7, 53)
            self.ports = sorted(rng.sample(range(1, PORT_MAX + 1), rng.randint(2, 6)))
            self.rate = rng.choice([500, 1000, 2000])
        self.hosts = set(range(lo, hi + 1))
        self.targets = f"198.18.1.{lo}-198.18.1.{hi}"
        self.nics = nics or rng.choice([["sc0"], ["sc1"], ["sc0", "sc1"]])
        self.plan = plan or rng.choice(PLANS)
        if self.plan == "delete_running" and self.kind == "small":
            self.plan = "done"  # a small job may end before the delete arrives
        self.delete_after = rng.random() < 0.3
        self.compare_pages = rng.random() < 0.3
        self.via_scanctl = rng.random() < 0.3
        self.key = f"soak-{os.getpid()}-{n}"
        self.id = None
        self.rows, self.states = [], []
        self.complete = asyncio.Event()
        self.lost = None           # why the stream ended without the job
        self.final = self.final_t = self.submit_t = None
        self.tainted = set()

    def ports_expr(self):
        if self.kind == "large":
            return f"{self.ports[0]}-{self.ports[-1]}"
        return ",".join(map(str, self.ports))

    def describe(self):
        return (f"{self.id} ({len(self.hosts) + len(self.extra)}x{len(self.ports)} on {'+'.join(self.nics)} "
                f"at {self.rate} pps, {self.plan})")

    async def call(self, method, params):
        """A request on a connection of its own; after a lost connection
        (scand killed) it waits for the restart and asks again."""
        while True:
            await self.daemon.wait_up()
            try:
                c = await Conn(self.ctx.sock).open()
                try:
                    return await c.call(method, params, timeout=30)
                finally:
                    await c.close()
            except (ConnectionError, OSError):
                await asyncio.sleep(0.2)

    async def scanctl(self, *args):
        """scanctl ARGS; run again while scand cannot be reached (exit 3:
        killed and restarting). self.retried says whether it was."""
        self.retried = False
        while True:
            await self.daemon.wait_up()
            p = await asyncio.create_subprocess_exec(
                self.ctx.scanctl, "--socket", self.ctx.sock, *args,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await p.communicate()
            if p.returncode != 3:
                return p.returncode, out.decode(), err.decode()
            self.retried = True
            await asyncio.sleep(0.2)

    def target_args(self):
        """scanctl's targets: a wide job's go through a file (-I)."""
        if not self.extra:
            return [self.targets]
        path = f"{self.ctx.t}/targets-{self.n}"
        with open(path, "w") as f:
            f.write("\n".join([self.targets] + self.extra) + "\n")
        return ["-I", path]

    async def submit(self):
        """Under the blocklist lock, so the toggle range's state at submit is
        known; a client_key makes a submit cut by kill -9 safe to repeat.
        Returns False when scand refused it as it must: every target blocked."""
        async with self.ctx.lists:
            await self.daemon.wait_up()
            self.submit_t = self.ctx.now()
            self.blocked_at_submit = self.ctx.blocked
            self.space_hosts = self.hosts - (self.ctx.toggle_hosts if self.blocked_at_submit else set())
            if self.via_scanctl:
                args = ["--json", "submit", *self.target_args(), "-p", self.ports_expr(),
                        "-r", str(self.rate), "--no-adaptive", "--key", self.key, "--name", f"soak{self.n}"]
                for nic in self.nics:
                    args += ["-i", nic]
                rc, out, err = await self.scanctl(*args)
                if rc == 0 and self.space_hosts:
                    self.id = json.loads(out)["job_id"]
                    return True
                if rc == 1 and not self.space_hosts and "in the blocklist" in err:
                    return False
                self.ctx.fail(f"scanctl submit {self.targets} exited {rc}: {err.strip()}")
            try:
                r = await self.call("job.submit", {
                    "targets": [self.targets] + self.extra, "ports": self.ports_expr(), "rate_pps": self.rate,
                    "adaptive": False, "nics": self.nics, "client_key": self.key,
                    "name": f"soak{self.n}"})
            except RpcError as e:
                if self.space_hosts or e.code != -32602 or "in the blocklist" not in e.message:
                    self.ctx.fail(f"job.submit {self.targets}: {e}")
                return False
            if not self.space_hosts:
                self.ctx.fail(f"job.submit {self.targets}: accepted although every target is blocked")
            self.id = r["job_id"]
            return True

    def note(self, method, params):
        if params.get("job_id") != self.id:
            return
        if method == "job.state":
            self.states.append((self.ctx.now(), params["state"]))
        elif method == "job.results":
            if params["offset"] != len(self.rows):
                self.lost = f"stream batch at offset {params['offset']}, {len(self.rows)} rows received"
            self.rows += params["results"]
            if params.get("error"):
                self.lost = params["error"]
            if params["complete"]:
                self.complete.set()

    async def collect(self):
        """The job's rows as streamed; reconnects from next_offset after a restart."""
        while not self.complete.is_set() and not self.lost:
            inc = await self.daemon.wait_up()
            c = Conn(self.ctx.sock, on_note=self.note)
            try:
                await c.open()
                await c.call("events.subscribe", {"job_id": self.id, "results": True,
                                                  "offset": len(self.rows), "limit": 5000})
                await c.until(self.complete)
            except (ConnectionError, OSError):
                pass
            finally:
                await c.close()
            if not self.complete.is_set() and not self.lost and not self.daemon.drop_expected(inc):
                self.lost = "scand dropped the result stream's connection"
        if self.lost:
            self.ctx.fail(f"job {self.describe()}: {self.lost}")

    async def wait_sending(self):
        while True:
            st = await self.call("job.status", {"job_id": self.id})
            if st["state"] in FINAL or (st["state"] == "running" and st["sent"] > 0):
                return st
            await asyncio.sleep(0.2)

    async def cancel(self):
        if self.ctx.rng.random() < 0.5:
            rc, out, err = await self.scanctl("--json", "cancel", self.id)
            if rc != 0:
                self.ctx.fail(f"scanctl cancel {self.id} exited {rc}: {err.strip()}")
            return json.loads(out)["state"]
        return (await self.call("job.cancel", {"job_id": self.id}))["state"]

    async def delete_running(self):
        """job.delete on a job that is not finished: -32001, "cancel it first"."""
        try:
            await self.call("job.delete", {"job_id": self.id})
        except RpcError as e:
            if e.code != -32001 or "cancel it first" not in e.message:
                self.ctx.fail(f"job.delete on unfinished {self.id}: {e}")
            return
        st = await self.call("job.status", {"job_id": self.id})  # finished meanwhile?
        self.ctx.fail(f"job.delete of {self.id} succeeded although it was not finished: {st}")

    async def act(self):
        """What the plan does while the job runs; returns the state the
        job must end in."""
        if self.plan == "cancel_early":
            return await self.cancel()
        if self.plan == "done":
            return "done"
        st = await self.wait_sending()
        if st["state"] in FINAL:
            return st["state"]
        if self.plan == "delete_running":
            await self.delete_running()
            return "done"
        await asyncio.sleep(self.ctx.rng.uniform(0, 2))
        return await self.cancel()

    async def life(self, timeout):
        if not await self.submit():
            self.final, self.final_t = "refused", self.ctx.now()
            return
        collector = asyncio.ensure_future(self.collect())
        want = await self.act()
        if want not in FINAL:
            self.ctx.fail(f"job {self.describe()}: cancel answered state {want}")
        try:
            await asyncio.wait_for(asyncio.shield(collector), timeout)
        except asyncio.TimeoutError:
            st = await self.call("job.status", {"job_id": self.id})
            self.ctx.fail(f"job {self.describe()} not complete after {timeout:.0f} s: {st}")
        self.final_t = self.ctx.now()
        st = await self.call("job.status", {"job_id": self.id})
        self.final = st["state"]
        if self.final != want:
            self.ctx.fail(f"job {self.describe()} ended {self.final}, expected {want}: {st}")
        await self.verify(st)
        if self.delete_after:
            await self.delete()

    async def verify(self, st):
        """Rows against ground truth; a job whose addresses the blocklist
        covered for part of its run is exact outside them."""
        if not self.blocked_at_submit and self.ctx.changed_during(self.submit_t, self.final_t):
            self.tainted = self.ctx.toggle_hosts & self.space_hosts
        errs = check_rows(self, self.rows, self.final, st, self.ctx.truth, self.tainted)
        if errs:
            self.ctx.fail(f"job {self.describe()} differs from ground truth:\n  " + "\n  ".join(errs))
        if self.compare_pages:
            rc, out, err = await self.scanctl("results", self.id)
            paged = [json.loads(line) for line in out.splitlines() if line.strip()]
            if rc != 0 or paged != self.rows:
                self.ctx.fail(f"scanctl results {self.id} (exit {rc}, {len(paged)} rows) differs "
                              f"from its stream ({len(self.rows)} rows): {err.strip()}")

    async def delete(self):
        rc, out, err = await self.scanctl("delete", self.id)
        if rc == 1 and self.retried and "no job" in err:
            pass  # the first try's reply was cut by kill -9 after the delete
        elif rc != 0:
            self.ctx.fail(f"scanctl delete {self.id} exited {rc}: {err.strip()}")
        try:
            st = await self.call("job.status", {"job_id": self.id})
            self.ctx.fail(f"job {self.id} still there after scanctl delete: {st}")
        except RpcError as e:
            if e.code != -32002:
                self.ctx.fail(f"job.status of deleted {self.id}: {e}")
        if os.path.exists(f"{self.ctx.state_dir}/jobs/{self.id}"):
            self.ctx.fail(f"job {self.id} deleted but its directory is still there")
