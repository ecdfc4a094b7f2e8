"""The disturbances, run one after the other on a timeline: SIGHUP with a
blocklist that gains or loses the toggle range, kill -9 and restart, a NIC's
veth deleted and re-added (then SIGHUP)."""
import asyncio

from .rpc import call_once


def timeline(seconds, warm):
    """(time, action, arg) of every disturbance in a run of `seconds`:
    SIGHUP every minute, kill -9 every 3 minutes, a veth flap every 2.5
    minutes, all closer together for runs shorter than 4 minutes."""
    hup, kill, flap = min(60, seconds / 4), min(180, seconds / 2), min(150, seconds / 2)
    ev = []
    k = 0
    while warm + k * hup < seconds:
        ev.append((warm + k * hup, "hup", None))
        k += 1
    k = 0
    while warm + (k + 0.5) * kill < seconds:
        ev.append((warm + (k + 0.5) * kill, "kill", None))
        k += 1
    k = 0
    while warm + (k + 0.25) * flap < seconds:
        ev.append((warm + (k + 0.25) * flap, "flap", ("sc1", "sc0")[k % 2]))
        k += 1
    return sorted(ev)


# testbed_link arguments that rebuild each NIC's veth as the testbed made it
LINKS = {"sc0": ("sc0", "tg0", "198.18.0", "100"), "sc1": ("sc1", "tg1", "198.18.101", "101")}


class Events:
    def __init__(self, ctx, daemon, mix):
        self.ctx, self.daemon, self.mix = ctx, daemon, mix
        self.kills = []     # jobs unfinished at each kill -9
        self.flapped = []   # (NIC, the job that ran only on it when its veth went)
        self.counts = {"hup": 0, "kill": 0, "flap": 0}

    async def info(self):
        return await call_once(self.ctx.sock, "daemon.info", timeout=20)

    async def hup(self, _):
        """Toggles the range in the blocklist file, SIGHUP, waits until
        daemon.info shows the new list (its size changes by the range's)."""
        async with self.ctx.lists:
            before = (await self.info())["blocklist"]
            block = not self.ctx.blocked
            start = self.ctx.now()
            text = self.ctx.base_blocklist + (f"{self.ctx.toggle}\n" if block else "")
            with open(self.ctx.blocklist, "w") as f:
                f.write(text)
            self.daemon.hup()
            size = self.ctx.toggle.num_addresses
            want = before["ipv4_addresses"] + (size if block else -size)
            for _ in range(100):
                now = (await self.info())["blocklist"]
                if now["loaded_at"] != before["loaded_at"] and now["ipv4_addresses"] == want:
                    break
                await asyncio.sleep(0.1)
            else:
                self.ctx.fail(f"SIGHUP: blocklist not reloaded within 10 s (before {before}, now {now})")
            self.ctx.blocked = block
            self.ctx.changes.append((start, self.ctx.now()))
        self.ctx.log(f"SIGHUP: {self.ctx.toggle} {'blocked' if block else 'unblocked'} "
                     f"({want} IPv4 addresses blocked)")

    async def kill(self, _):
        await self.mix.spawn(kind="large", plan="done")
        self.kills.append([j for j in self.mix.jobs if j.id and j.final_t is None])
        await self.daemon.kill9()
        await asyncio.sleep(1)
        await self.daemon.start()
        self.ctx.log(f"restarted with {len(self.kills[-1])} unfinished job(s) to resume")

    async def nic_state(self, nic, want, seconds):
        for _ in range(int(seconds * 10)):
            st = [n for n in (await self.info())["nics"] if n["name"] == nic][0]
            if st["state"] == want:
                return st
            await asyncio.sleep(0.1)
        self.ctx.fail(f"{nic} not {want} within {seconds} s: {st}")

    async def flap(self, nic):
        """The veth of a NIC goes while a job that runs only on it sends:
        the job is held, and resumes after the veth is back and SIGHUP."""
        self.flapped.append((nic, await self.mix.spawn(kind="large", nics=[nic], plan="done")))
        p = await asyncio.create_subprocess_exec("ip", "-n", self.ctx.scan_ns, "link", "del", nic)
        if await p.wait() != 0:
            self.ctx.fail(f"ip link del {nic} failed")
        await self.nic_state(nic, "failed", 5)
        self.ctx.log(f"{nic}'s veth deleted; scand reports it failed")
        await asyncio.sleep(2)
        cmd = (f". {self.ctx.srcdir}/tests/integration/testbed.sh; "
               f"SCAN_NS={self.ctx.scan_ns} TARGET_NS={self.ctx.target_ns} "
               f"testbed_link {self.ctx.scan_ns} " + " ".join(LINKS[nic]))
        p = await asyncio.create_subprocess_exec("bash", "-c", cmd)
        if await p.wait() != 0:
            self.ctx.fail(f"re-adding {nic}'s veth failed")
        async with self.ctx.lists:
            self.daemon.hup()
            await self.nic_state(nic, "up", 10)
        self.ctx.log(f"{nic}'s veth re-added; SIGHUP re-opened it")

    async def run(self, events):
        for t, what, arg in events:
            await asyncio.sleep(max(0, t - self.ctx.now()))
            if self.ctx.stop.is_set():
                return
            await getattr(self, what)(arg)
            self.counts[what] += 1
