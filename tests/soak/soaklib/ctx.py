"""What every part of the soak shares: paths, the clock, the blocklist's
history, the failure list (the first failure stops the run)."""
import asyncio
import ipaddress
import random
import time


class Failed(Exception):
    pass


class Ctx:
    def __init__(self, args):
        self.t = args.tmp                      # the test's directory
        self.sock = f"{args.tmp}/control.sock"
        self.state_dir = f"{args.tmp}/state"
        self.blocklist = f"{args.tmp}/blocklist.conf"
        self.base_blocklist = open(self.blocklist).read()
        self.scan_ns, self.target_ns = args.scan_ns, args.target_ns
        self.srcdir = args.srcdir
        self.scand, self.scanctl = args.scand, args.scanctl
        self.seconds = args.seconds
        self.rng = random.Random(args.seed)
        self.truth = {(int(l.split(":")[0].rsplit(".", 1)[1]), int(l.split(":")[1]))
                      for l in open(args.truth) if l.strip()}
        self.toggle = ipaddress.ip_network(args.toggle)     # the range SIGHUP blocks and unblocks
        self.toggle_hosts = {int(a) & 0xff for a in self.toggle}
        self.t0 = time.monotonic()
        self.lists = asyncio.Lock()   # held while the blocklist changes: no submit meanwhile
        self.blocked = False          # is the toggle range in the daemon's blocklist now
        self.changes = []             # (start, end) of every blocklist change, seconds
        self.failures = []
        self.stop = asyncio.Event()   # set on the first failure, or at the end
        self.log_lines = []

    def now(self):
        return time.monotonic() - self.t0

    def log(self, msg):
        line = f"[{self.now():7.1f}s] {msg}"
        print(line, flush=True)

    def fail(self, msg):
        """Records a failure and stops the run."""
        self.log(f"FAIL: {msg}")
        self.failures.append(msg)
        self.stop.set()
        raise Failed(msg)

    def changed_during(self, t0, t1):
        """Did the blocklist change (or might it have) between t0 and t1?"""
        return any(s <= t1 and e >= t0 for s, e in self.changes)
