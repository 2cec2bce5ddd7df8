"""A RouterOS API simulator: the real wire protocol over real TCP, with in-memory routers.

It is how the MikroTik integration is tested and demonstrated. Unmodified client libraries
(routeros-api, librouteros) talk to it as to a router. See server.py for the protocol,
state.py for the menus, and the ``routeros_sim`` management command to run it.
"""

import socket
import time

from .server import SimulatedRouter, Simulator
from .state import Faults, RouterState

__all__ = ["Faults", "RouterState", "SimulatedRouter", "Simulator", "free_port", "wait_for_port"]


def free_port(count: int = 1) -> int:
    """A TCP port nothing listens on right now, with the ``count - 1`` ports after it free too
    (``routeros_sim --routers N`` takes consecutive ports)."""
    for _attempt in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count > 65535:
            continue
        probes = []
        try:
            for port in range(base, base + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no run of free ports found")


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0) -> bool:
    """Wait until something accepts connections on the port (a simulator just started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False
