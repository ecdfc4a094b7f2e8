"""A JSON-RPC 2.0 client on scand's control socket (asyncio): requests are
answered by id, notifications go to a callback. One object per connection."""
import asyncio
import itertools
import json


class RpcError(Exception):
    def __init__(self, method, err):
        super().__init__(f"{method}: {err.get('code')} {err.get('message')}")
        self.code = err.get("code")
        self.message = err.get("message", "")
        self.data = err.get("data")


class Conn:
    """One connection. call() sends a request and waits for its reply;
    notifications are passed to on_note(method, params) in arrival order."""

    def __init__(self, path, on_note=None):
        self.path = path
        self.on_note = on_note
        self.ids = itertools.count(1)
        self.waiting = {}
        self.reader = self.writer = self.task = None
        self.closed = asyncio.Event()

    async def open(self):
        self.reader, self.writer = await asyncio.open_unix_connection(self.path, limit=64 << 20)
        self.task = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self):
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    break
                self._dispatch(json.loads(line))
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self.closed.set()
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("scand closed the connection"))
            self.waiting.clear()

    def _dispatch(self, msg):
        if "id" in msg and msg.get("id") is not None:
            fut = self.waiting.pop(msg["id"], None)
            if fut and not fut.done():
                fut.set_result(msg)
        elif "method" in msg and self.on_note:
            self.on_note(msg["method"], msg.get("params"))

    async def call(self, method, params=None, timeout=15):
        if self.closed.is_set():
            raise ConnectionError("connection closed")
        rid = next(self.ids)
        req = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            req["params"] = params
        fut = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        self.writer.write(json.dumps(req).encode() + b"\n")
        try:
            await self.writer.drain()
            msg = await asyncio.wait_for(fut, timeout)
        finally:
            self.waiting.pop(rid, None)
        if "error" in msg:
            raise RpcError(method, msg["error"])
        return msg["result"]

    async def until(self, event):
        """Waits until event is set or the connection closes."""
        waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self.closed.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()

    async def close(self):
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        if self.task:
            await self.task


async def call_once(path, method, params=None, timeout=15):
    """A request on a connection of its own."""
    c = await Conn(path).open()
    try:
        return await c.call(method, params, timeout)
    finally:
        await c.close()
