"""scand's life in the soak: start it (under ASan+UBSan, in the scanner
namespace), kill -9 it, stop it with SIGTERM, and check at every stop that it
died of our signal (or exited 0) and that no sanitizer report was written."""
import asyncio
import glob
import os
import signal

from .rpc import call_once


class Daemon:
    def __init__(self, ctx, config):
        self.ctx = ctx
        self.config = config
        self.san_dir = f"{ctx.t}/sanitizer"
        os.makedirs(self.san_dir, exist_ok=True)
        self.proc = None
        self.incarnation = 0
        self.up = asyncio.Event()   # set while scand runs and answers
        self.expect_exit = False
        self.watcher = None
        self.stops = []             # (how, exit status) of every stop

    def env(self):
        env = dict(os.environ)
        # quarantine_size_mb: ASan holds freed memory in a FIFO of this size
        # before reusing it; the default (256 MB) would read as RSS growth.
        env["ASAN_OPTIONS"] = (f"log_path={self.san_dir}/asan:detect_leaks=1:"
                               "quarantine_size_mb=16:abort_on_error=0:halt_on_error=1")
        env["UBSAN_OPTIONS"] = f"log_path={self.san_dir}/ubsan:print_stacktrace=1:halt_on_error=0"
        return env

    async def start(self):
        self.incarnation += 1
        log = open(f"{self.ctx.t}/scand.log", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", self.ctx.scan_ns, self.ctx.scand, "--config", self.config,
            stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL, env=self.env())
        log.close()
        with open(f"{self.ctx.t}/scand.pid", "w") as f:  # for soak.sh's trap
            f.write(f"{self.proc.pid}\n")
        self.expect_exit = False
        for _ in range(300):
            if self.proc.returncode is not None:
                self.check_sanitizer()
                self.ctx.fail(f"scand exited at start with status {self.proc.returncode} (see scand.log)")
            try:
                await call_once(self.ctx.sock, "heartbeat", timeout=5)
                break
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.1)
        else:
            self.ctx.fail("scand did not answer heartbeat within 30 s of its start")
        self.watcher = asyncio.get_running_loop().create_task(self._watch(self.proc))
        self.up.set()
        self.ctx.log(f"scand started (pid {self.proc.pid}, incarnation {self.incarnation})")

    async def _watch(self, proc):
        rc = await proc.wait()
        if not self.expect_exit and not self.ctx.stop.is_set():
            self.up.clear()
            msg = f"scand (pid {proc.pid}) died on its own with status {rc}"
            report = self.sanitizer_report()
            self.ctx.failures.append(msg + (f"; {report}" if report else " (see scand.log)"))
            self.ctx.log(f"FAIL: {self.ctx.failures[-1]}")
            self.ctx.stop.set()

    def alive(self):
        return self.proc is not None and self.proc.returncode is None

    async def _signal_stop(self, sig, timeout):
        if not self.alive():
            self.ctx.fail(f"scand was no longer running before {sig.name} "
                          f"(status {self.proc.returncode if self.proc else None})")
        self.expect_exit = True
        self.up.clear()
        self.proc.send_signal(sig)
        try:
            rc = await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            rc = await self.proc.wait()
            self.ctx.fail(f"scand did not exit within {timeout} s of {sig.name}")
        await self.watcher
        self.stops.append((sig.name, rc))
        self.check_sanitizer()
        return rc

    async def kill9(self):
        rc = await self._signal_stop(signal.SIGKILL, 10)
        if rc != -signal.SIGKILL:
            self.ctx.fail(f"scand's status at kill -9 was {rc}, not death by SIGKILL")
        self.ctx.log("scand killed with SIGKILL")

    async def terminate(self):
        """SIGTERM: scand checkpoints and exits 0; LeakSanitizer runs at exit
        (a leak makes the status non-zero and writes a report)."""
        rc = await self._signal_stop(signal.SIGTERM, 60)
        if rc != 0:
            self.ctx.fail(f"scand exited with status {rc} at SIGTERM (a leak or a crash: see "
                          f"{self.san_dir} and scand.log)")
        self.ctx.log("scand stopped with SIGTERM, exit status 0")

    def hup(self):
        if not self.alive():
            self.ctx.fail("scand is not running: cannot send SIGHUP")
        self.proc.send_signal(signal.SIGHUP)

    def sanitizer_report(self):
        """The first sanitizer report written so far, or None."""
        reports = sorted(glob.glob(f"{self.san_dir}/*"))
        if not reports:
            return None
        return f"sanitizer report {reports[0]}:\n" + open(reports[0], errors="replace").read()[:6000]

    def check_sanitizer(self):
        report = self.sanitizer_report()
        if report:
            self.ctx.fail(report)

    async def wait_up(self):
        await self.up.wait()
        return self.incarnation

    def drop_expected(self, inc):
        """A connection opened while incarnation `inc` ran broke: fine when
        scand is being killed or was restarted since."""
        return not self.up.is_set() or self.incarnation != inc
