"""The simulator's TCP side: sessions speaking the RouterOS API, one listener per router.

Protocol (MikroTik API manual): a command is a sentence whose first word is the command path
("/ip/hotspot/user/add"), followed by attribute words "=name=value", query words "?name=value"
and API attributes ".tag=x" / ".proplist=a,b". Each reply sentence ("!re" rows, then "!done";
or "!trap" with "=message=" always followed by "!done"; or "!fatal") carries the command's
tag. Login: "/login =name= =password=" (RouterOS 6.43+), or the legacy challenge (an empty
"/login" answered with "=ret=<challenge>", then "=response=00" + md5(0 + password + challenge)).

Replies are queued with a ready time (now + injected latency) and written in order by a writer
task, while the reader goes on reading: a pipelining client sees the latency once, a client that
waits for each reply sees it per command, as with a real router across a slow link.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import signal
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .state import RouterState, Trap
from .wire import ProtocolError, encode_sentence, read_sentence

log = logging.getLogger(__name__)


def _query_predicate(word: str) -> Callable[[dict[str, str]], bool]:
    if word.startswith("-"):
        key = word[1:]
        return lambda row: key not in row
    for op in ("=", ">", "<"):
        if op in word[1:] or word.startswith(op):
            if word.startswith(op) and op != "=":
                key, _, value = word[1:].partition("=")
            else:
                key, _, value = word.partition("=")
                op = "="
            break
    else:
        return lambda row: word in row

    def compare(row: dict[str, str]) -> bool:
        actual = row.get(key)
        if actual is None:
            return False
        if op == "=":
            return actual == value
        try:
            a, b = float(actual), float(value)
        except ValueError:
            a, b = actual, value
        return a > b if op == ">" else a < b

    return compare


def filter_rows(rows: list[dict[str, str]], queries: list[str]) -> list[dict[str, str]]:
    """Apply RouterOS query words: predicates pushed on a stack, '#' words combine them."""
    if not queries:
        return list(rows)
    result = []
    for row in rows:
        stack: list[bool] = []
        for word in queries:
            if word.startswith("#"):
                for op in word[1:]:
                    if op == "!" and stack:
                        stack.append(not stack.pop())
                    elif op in "|&" and len(stack) >= 2:
                        b, a = stack.pop(), stack.pop()
                        stack.append(a or b if op == "|" else a and b)
            else:
                stack.append(_query_predicate(word)(row))
        if all(stack):
            result.append(row)
    return result


class Session:
    def __init__(self, router: SimulatedRouter, reader, writer):
        self.router = router
        self.reader = reader
        self.writer = writer
        self.authenticated = False
        self.challenge: bytes | None = None
        self.queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()

    @property
    def state(self) -> RouterState:
        return self.router.state

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        writer_task = asyncio.create_task(self._write_replies())
        try:
            while True:
                words = await read_sentence(self.reader)
                if not words:
                    continue
                faults = self.state.faults
                faults.seen += 1
                if faults.drop_after is not None and faults.seen > faults.drop_after:
                    self.writer.transport.abort()  # a dropped link: no reply, no goodbye
                    return
                replies, close = self.dispatch(words)
                data = b"".join(encode_sentence(s) for s in replies)
                self.queue.put_nowait((loop.time() + faults.latency, data))
                if close:
                    self.queue.put_nowait((loop.time() + faults.latency, None))
                    await writer_task
                    return
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError, ssl.SSLError):
            pass
        finally:
            writer_task.cancel()
            with contextlib.suppress(Exception):
                self.writer.close()

    async def _write_replies(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            ready_at, data = await self.queue.get()
            delay = ready_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if data is None:
                with contextlib.suppress(Exception):
                    await self.writer.drain()
                    self.writer.close()
                return
            self.writer.write(data)
            with contextlib.suppress(ConnectionError):
                await self.writer.drain()

    # --- commands -----------------------------------------------------------------------------
    def dispatch(self, words: list[str]) -> tuple[list[list[str]], bool]:
        command, attrs, queries, tag = words[0], {}, [], None
        for word in words[1:]:
            if word.startswith("="):
                key, _, value = word[1:].partition("=")
                attrs[key] = value
            elif word.startswith("?"):
                queries.append(word[1:])
            elif word.startswith(".tag="):
                tag = word[5:]
            elif word.startswith(".proplist="):
                attrs[".proplist"] = word[len(".proplist=") :]

        def tagged(sentence: list[str]) -> list[str]:
            return sentence + [f".tag={tag}"] if tag is not None else sentence

        if command == "/quit":
            return [tagged(["!fatal", "session terminated on request"])], True
        try:
            if command == "/login":
                rows, ret = [], self.login(attrs)
            elif not self.authenticated:
                raise Trap("not logged in")
            elif command in self.state.faults.trap_on:
                raise Trap(self.state.faults.trap_on[command])
            else:
                rows, ret = self.execute(command, attrs, queries)
        except Trap as trap:
            sentence = ["!trap", f"=message={trap.message}"]
            if trap.category is not None:
                sentence.insert(1, f"=category={trap.category}")
            return [tagged(sentence), tagged(["!done"])], False
        out = [tagged(["!re", *(f"={k}={v}" for k, v in row.items())]) for row in rows]
        out.append(tagged(["!done", *([f"=ret={ret}"] if ret is not None else [])]))
        return out, False

    def login(self, attrs: dict[str, str]) -> str | None:
        state = self.state
        if "name" in attrs and "response" in attrs:
            if self.challenge is None:
                raise Trap("invalid user name or password (6)", category=None)
            digest = hashlib.md5(  # noqa: S324 - the RouterOS legacy login is MD5 by protocol
                b"\x00" + state.password.encode() + self.challenge
            ).hexdigest()
            self.challenge = None
            if attrs["name"] == state.username and attrs["response"] == "00" + digest:
                self.authenticated = True
                return None
            raise Trap("invalid user name or password (6)")
        if "name" in attrs:
            if self.router.login_mode == "legacy":
                raise Trap("invalid user name or password (6)")
            if attrs["name"] == state.username and attrs.get("password", "") == state.password:
                self.authenticated = True
                return None
            raise Trap("invalid user name or password (6)")
        if self.router.login_mode == "legacy":
            self.challenge = secrets.token_bytes(16)
            return self.challenge.hex()
        return None  # 6.43+: an empty /login is answered, but logs nobody in

    def execute(self, command: str, attrs: dict[str, str], queries: list[str]):
        state = self.state
        path, _, verb = command.rpartition("/")
        proplist = [p for p in attrs.pop(".proplist", "").split(",") if p]
        count_only = "count-only" in attrs
        attrs.pop("count-only", None)
        attrs.pop("stats", None)
        if path == "/system/resource" and verb == "print":
            return self._project([state.resource()], proplist), None
        if path == "/system/identity":
            if verb == "print":
                return [{"name": state.identity}], None
            if verb == "set" and attrs.get("name"):
                state.identity = attrs["name"]
                return [], None
        if path == "/tool/sms" and verb == "send":
            if not attrs.get("phone-number") or "message" not in attrs:
                raise Trap("failure: phone-number and message are required")
            state.sms_outbox.append(dict(attrs))
            return [], None
        if path == "/ip/hotspot/active" and verb == "login":
            state.active.login(attrs)
            return [], None
        table = state.tables.get(path)
        if table is None:
            raise Trap("no such command prefix")
        if verb == "print":
            rows = filter_rows(table.rows(), queries)
            if count_only:
                return [], str(len(rows))
            return self._project(rows, proplist), None
        if verb == "add":
            return [], table.add(attrs)
        ref = attrs.pop(".id", None) or attrs.pop("numbers", None)
        if not ref:
            raise Trap("no such item")
        if verb == "set":
            table.set(ref, attrs)
        elif verb == "remove":
            table.remove(ref)
        elif verb in {"enable", "disable"}:
            table.set(ref, {"disabled": "no" if verb == "enable" else "yes"})
        else:
            raise Trap("no such command")
        return [], None

    @staticmethod
    def _project(rows: list[dict[str, str]], proplist: list[str]) -> list[dict[str, str]]:
        if not proplist:
            return [dict(r) for r in rows]
        return [{k: r[k] for k in proplist if k in r} for r in rows]


class SimulatedRouter:
    """One router: its state and a listener (plain, or TLS like api-ssl on 8729)."""

    def __init__(
        self,
        state: RouterState,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        login_mode: str = "plain",
    ):
        self.state = state
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.login_mode = login_mode
        self._server: asyncio.base_events.Server | None = None
        self._sessions: set[asyncio.StreamWriter] = set()

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, ssl=self.ssl_context, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every open connection (a router switched off)."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._sessions):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, reader, writer) -> None:
        self._sessions.add(writer)
        try:
            await Session(self, reader, writer).run()
        finally:
            self._sessions.discard(writer)


class Simulator:
    """Routers on one asyncio loop, run in the foreground or in a background thread."""

    def __init__(self, *, tick: float | None = None, state_file: Path | None = None):
        self.loop = asyncio.new_event_loop()
        self.routers: dict[str, SimulatedRouter] = {}
        self.tick = tick
        self.state_file = state_file
        self._thread: threading.Thread | None = None

    # --- running ------------------------------------------------------------------------------
    def start_in_thread(self) -> Simulator:
        self._thread = threading.Thread(
            target=self.loop.run_forever, daemon=True, name="routeros-sim"
        )
        self._thread.start()
        if self.tick:
            self.run(self._start_life())
        return self

    def run(self, coro, timeout: float = 30) -> Any:
        """Run a coroutine on the simulator's loop from another thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a plain function on the loop thread (safe access to router state)."""

        async def wrapper():
            return fn(*args)

        return self.run(wrapper())

    def shutdown(self) -> None:
        for router in list(self.routers.values()):
            self.run(router.stop())
        self.save()
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Foreground mode (the management command)."""
        asyncio.set_event_loop(self.loop)
        for router in self.routers.values():
            self.loop.run_until_complete(router.start())
        if self.tick:
            self.loop.run_until_complete(self._start_life())
        # Ctrl-C and honcho's SIGTERM stop the loop between callbacks: a quiet, saved exit.
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.loop.add_signal_handler(signum, self.loop.stop)
        try:
            self.loop.run_forever()
        finally:
            self.save()

    # --- routers ------------------------------------------------------------------------------
    def add_router(
        self,
        name: str,
        *,
        port: int = 0,
        username: str = "admin",
        password: str = "",
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
        login_mode: str = "plain",
        start: bool = True,
    ) -> SimulatedRouter:
        state = RouterState(name, username=username, password=password)
        saved = self._load().get(name)
        if saved:
            state.load_json(saved)
        router = SimulatedRouter(
            state, host=host, port=port, ssl_context=ssl_context, login_mode=login_mode
        )
        self.routers[name] = router
        if start and self._thread is not None:
            self.run(router.start())
        return router

    def stop_router(self, name: str) -> None:
        self.run(self.routers[name].stop())

    def start_router(self, name: str) -> None:
        self.run(self.routers[name].start())

    # --- life and persistence -----------------------------------------------------------------
    async def _start_life(self) -> None:
        async def life():
            while True:
                await asyncio.sleep(self.tick)
                for router in self.routers.values():
                    router.state.tick(self.tick)
                self.save()

        self._life = asyncio.create_task(life())

    def _load(self) -> dict[str, Any]:
        if self.state_file and self.state_file.exists():
            return json.loads(self.state_file.read_text())
        return {}

    def save(self) -> None:
        if not self.state_file:
            return
        data = {name: r.state.to_json() for name, r in self.routers.items()}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.state_file)
