"""What every HTTP simulator shares: its server (threaded, with its state, a URL, started in a
thread by tests, stopped cleanly) and its management command's listening options and serve
loop. Generic: it knows no simulator, so production code importing erp.core never pulls one
in (the `no-…-simulator` contracts in pyproject.toml)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any, ClassVar, Self


class SimulatorServer(ThreadingHTTPServer):
    """An HTTP simulator: its request handler reads ``self.server.state``. Subclasses name
    their handler and their thread."""

    daemon_threads = True
    allow_reuse_address = True
    handler: ClassVar[type[BaseHTTPRequestHandler]]
    thread_name: ClassVar[str] = "simulator"

    def __init__(self, address: tuple[str, int], state: Any):
        super().__init__(address, self.handler)
        self.state = state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_in_thread(self) -> Self:
        Thread(target=self.serve_forever, daemon=True, name=self.thread_name).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def add_listen_arguments(parser, *, port: int) -> None:
    """A simulator command's ``--host`` (loopback by default) and ``--port``."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)


def serve_until_interrupted(server: ThreadingHTTPServer) -> None:
    """Serve in the foreground until Ctrl-C (or make run stopping it), then free the port."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
