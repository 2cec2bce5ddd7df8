"""Free TCP ports for the servers tests start (simulators, make run)."""

from __future__ import annotations

import socket
from contextlib import closing

from erp.core.ports import port_problem


def free_port(block: int = 1) -> int:
    """The first of `block` consecutive ports nobody listens on."""
    for _ in range(50):
        with closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + block < 65536 and all(
            port_problem("127.0.0.1", first + n) is None for n in range(block)
        ):
            return first
    raise RuntimeError("no free block of ports")
