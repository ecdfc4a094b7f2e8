"""The clients around the jobs: pollers on persistent connections
(heartbeat, job.status, telemetry.get, job.list, about once a second each)
and a subscriber to every job's events. A connection may only drop while
scand is being killed; every reply is checked for its shape."""
import asyncio

from .rpc import Conn, RpcError

FINAL = ("done", "failed", "cancelled")


class Load:
    def __init__(self, ctx, daemon, live, retain_jobs):
        self.ctx, self.daemon = ctx, daemon
        self.live = live                # job ids the mix is running (a list)
        self.retain_jobs = retain_jobs
        self.calls = self.not_found = 0
        self.events = {}                # job id -> states seen by the subscriber
        self.progress = 0
        self.connected = []             # [start, end] of the subscriber's connections

    def check(self, method, r):
        if method == "heartbeat" and (r.get("ok") is not True or r["nics"] != 2):
            self.ctx.fail(f"heartbeat: {r}")
        elif method == "telemetry.get" and [n["name"] for n in r["nics"]] != ["sc0", "sc1"]:
            self.ctx.fail(f"telemetry.get: {r}")
        elif method == "job.list":
            finished = sum(1 for j in r["jobs"] if j["state"] in FINAL)
            if finished > self.retain_jobs:
                self.ctx.fail(f"job.list shows {finished} finished jobs, [daemon] retain_jobs = "
                              f"{self.retain_jobs}")
        elif method == "job.status" and r["state"] not in FINAL + ("queued", "running", "cooldown", "held"):
            self.ctx.fail(f"job.status: state {r['state']}")

    async def poll_once(self, c):
        for method in ("heartbeat", "telemetry.get", "job.list", "job.status"):
            params = None
            if method == "job.status":
                if not self.live:
                    continue
                params = {"job_id": self.ctx.rng.choice(self.live)}
            try:
                self.check(method, await c.call(method, params, timeout=20))
            except RpcError as e:
                # a job may finish and be deleted (retention) before the
                # mix sees it end; anything else is a failure
                if e.code != -32002 or method != "job.status":
                    self.ctx.fail(f"poller: {e}")
                self.not_found += 1
            self.calls += 1

    async def poller(self, i):
        await asyncio.sleep(i * 0.02)
        while not self.ctx.stop.is_set():
            inc = await self.daemon.wait_up()
            c = Conn(self.ctx.sock)
            try:
                await c.open()
                while not self.ctx.stop.is_set():
                    await self.poll_once(c)
                    await asyncio.sleep(self.ctx.rng.uniform(0.7, 1.3))
            except (ConnectionError, OSError, asyncio.TimeoutError) as e:
                self.dropped(f"poller {i}", e, inc)
            finally:
                await c.close()

    def dropped(self, who, e, inc):
        if not self.daemon.drop_expected(inc) and not self.ctx.stop.is_set():
            self.ctx.fail(f"{who}: connection lost while scand was up: {e!r}")

    def note(self, method, params):
        if method == "job.state":
            if not {"job_id", "state", "error"} <= params.keys():
                self.ctx.fail(f"job.state notification lacks fields: {params}")
            self.events.setdefault(params["job_id"], []).append((self.ctx.now(), params["state"]))
        elif method == "job.progress":
            if not {"job_id", "state", "sent", "total"} <= params.keys():
                self.ctx.fail(f"job.progress notification lacks fields: {params}")
            self.progress += 1

    async def subscriber(self):
        while not self.ctx.stop.is_set():
            inc = await self.daemon.wait_up()
            c = Conn(self.ctx.sock, on_note=self.note)
            try:
                await c.open()
                await c.call("events.subscribe", {})
                self.connected.append([self.ctx.now(), None])
                await c.until(self.ctx.stop)
                self.connected[-1][1] = self.ctx.now()
                self.dropped("events subscriber", "closed", inc)
            except (ConnectionError, OSError) as e:
                self.dropped("events subscriber", e, inc)
            finally:
                await c.close()
        if self.connected and self.connected[-1][1] is None:
            self.connected[-1][1] = self.ctx.now()

    def was_connected(self, t, margin=2.0):
        return any(s + margin <= t <= e - margin for s, e in self.connected)

    def missed_ends(self, jobs):
        """Jobs whose end the job's own stream announced while this
        subscriber listened (not within 2 s of a reconnect), and this
        subscriber got no job.state of that end."""
        missed = []
        for j in jobs:
            ends = [t for t, s in j.states if s == j.final]
            if ends and self.was_connected(ends[0]) and \
                    j.final not in [s for _, s in self.events.get(j.id, [])]:
                missed.append(j.id)
        return missed
