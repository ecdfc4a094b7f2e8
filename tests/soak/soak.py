#!/usr/bin/env python3
"""The soak's driver (started by soak.sh, which builds the testbed, the
listeners and the config): runs scand with the mixed load for --seconds,
then checks the samples against their bounds. Exit 0 pass, 1 fail."""
import argparse
import asyncio
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soaklib.bounds import Bounds  # noqa: E402
from soaklib.ctx import Ctx, Failed  # noqa: E402
from soaklib.daemon import Daemon  # noqa: E402
from soaklib.events import Events, timeline  # noqa: E402
from soaklib.load import Load  # noqa: E402
from soaklib.mix import Mix  # noqa: E402
from soaklib.sample import Sampler  # noqa: E402

POLLERS = 50
DRAIN_S = 240
# What scand may log at warning or error level during the soak: the NIC
# losses the veth flaps cause. Anything else fails the run.
EXPECTED_LOG = re.compile(r"the interface disappeared|runs without some of its NICs|"
                          r"no such interface; when it is back")


def parse():
    a = argparse.ArgumentParser(description=__doc__)
    for name in ("tmp", "scan-ns", "target-ns", "srcdir", "scand", "scanctl", "truth", "toggle",
                 "config", "csv"):
        a.add_argument("--" + name, required=True)
    a.add_argument("--seconds", type=float, required=True)
    a.add_argument("--seed", type=int, default=None)
    a.add_argument("--retain-jobs", type=int, required=True)
    return a.parse_args()


async def run(args):
    ctx = Ctx(args)
    daemon = Daemon(ctx, args.config)
    mix = Mix(ctx, daemon)
    load = Load(ctx, daemon, mix.live, args.retain_jobs)
    sampler = Sampler(ctx, daemon, mix, args.csv)
    warm = min(60, args.seconds / 4)
    events = Events(ctx, daemon, mix)
    plan = timeline(args.seconds, warm)
    with open(f"{args.tmp}/run.json", "w") as f:  # for plot.py
        json.dump({"seconds": args.seconds, "warm_s": warm, "seed": args.seed, "timeline": plan}, f)
    ctx.log(f"soak: {args.seconds:.0f} s, warm-up {warm:.0f} s, seed {args.seed}, "
            f"{len(ctx.truth)} open ports; timeline: " +
            ", ".join(f"{w}{'(' + a + ')' if a else ''}@{t:.0f}s" for t, w, a in plan))
    helpers = []
    try:
        await daemon.start()
        helpers = [asyncio.ensure_future(c) for c in
                   [load.poller(i) for i in range(POLLERS)] + [load.subscriber(), sampler.run()]]
        disturb = asyncio.ensure_future(events.run(plan))
        await mix.run(args.seconds)
        await asyncio.wait([disturb, asyncio.ensure_future(ctx.stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        if disturb.done() and disturb.exception() and not isinstance(disturb.exception(), Failed):
            raise disturb.exception()
        ctx.log(f"load ended: {len(mix.jobs)} jobs submitted; waiting for the last ones")
        await mix.drain(DRAIN_S)
        ctx.stop.set()
        await asyncio.gather(*helpers, return_exceptions=True)
        if daemon.alive():
            await daemon.terminate()
    except Failed:
        pass
    finally:
        ctx.stop.set()
        for h in helpers:
            h.cancel()
        if daemon.alive():
            daemon.expect_exit = True
            daemon.proc.kill()
            await daemon.proc.wait()
        await sampler.close()
    if not ctx.failures:
        final_checks(ctx, mix, load, events, sampler, warm)
    return ctx


def final_checks(ctx, mix, load, events, sampler, warm):
    """What the run must have exercised and what it must not have shown."""
    def need(cond, msg):
        if not cond:
            ctx.failures.append(msg)
    by = lambda cond: [j for j in mix.jobs if cond(j)]  # noqa: E731
    done, cancelled = by(lambda j: j.final == "done"), by(lambda j: j.final == "cancelled")
    resumed = {j.id for k in events.kills for j in k if j.final == "done"}
    tainted = by(lambda j: j.final == "done" and j.tainted)
    deleted = by(lambda j: j.delete_after and j.final)
    retained = sum(1 for line in open(f"{ctx.t}/scand.log") if "retain_jobs finished jobs)" in line)
    need(done and cancelled and deleted, f"the mix lacks done ({len(done)}), cancelled "
         f"({len(cancelled)}) or deleted ({len(deleted)}) jobs")
    need(retained > 0, "retention never deleted a job ([daemon] retain_jobs)")
    need(events.kills and resumed, "no job resumed after kill -9")
    need(tainted, "no job ran while the blocklist changed")
    for nic, j in events.flapped:
        need("held" in [s for _, s in j.states] and j.final == "done",
             f"job {j.describe()} was not held and resumed when {nic}'s veth went "
             f"(states {j.states})")
    odd = [line.strip() for line in open(f"{ctx.t}/scand.log")
           if re.search(r" (warning|error): ", line) and not EXPECTED_LOG.search(line)]
    need(not odd, f"scand logged {len(odd)} unexpected warning/error line(s), e.g. {odd[:5]}")
    missed = load.missed_ends(mix.jobs)
    need(not missed, f"the events subscriber missed the end of {missed}")
    bounds = Bounds(sampler.samples, warm, ctx)
    ctx.failures += bounds.check()
    print(bounds.table())
    kinds = {k: sum(1 for j in mix.jobs if j.kind == k) for k in ("small", "large", "wide")}
    ctx.log(f"{len(mix.jobs)} jobs {kinds}: {len(done)} done ({len(tainted)} while the blocklist changed, "
            f"{len(resumed)} resumed after kill -9), {len(cancelled)} cancelled, {len(deleted)} "
            f"deleted by scanctl, {retained} by retention; {load.calls} poller calls "
            f"({load.not_found} for jobs already deleted), {load.progress} progress events; "
            f"disturbances {events.counts}; scand stops {sampler.daemon.stops}; the fullest job "
            f"directory used {sampler.fullest:.0%} of its bound")


def main():
    args = parse()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    ctx = asyncio.run(run(args))
    if ctx.failures:
        print(f"FAIL ({len(ctx.failures)}): seed {args.seed}", file=sys.stderr)
        for f in ctx.failures:
            print("  " + f, file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
