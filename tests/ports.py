"""Free TCP ports for the servers tests start (simulators, make run)."""

from __future__ import annotations

import random
from pathlib import Path

from erp.core.ports import port_problem

# Below the kernel's ephemeral range: a port the OS hands out with `bind(0)` is also one it may
# give, minutes later, to any outgoing connection (to PostgreSQL, Redis …) as its local port.
# A port chosen early and used late (a session-wide ROUTER_SIM_PORT) then reads as "in use by
# another program" (CI saw seed_demo take such a port for a running simulator and fail).
_LOWEST = 20000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(block: int = 1) -> int:
    """The first of `block` consecutive ports nobody listens on, outside the ephemeral range."""
    highest = _ephemeral_start() - block
    rng = random.Random()  # noqa: S311 - spreading tests over ports, not a secret
    for _ in range(200):
        first = rng.randrange(_LOWEST, highest)
        if all(port_problem("127.0.0.1", first + n) is None for n in range(block)):
            return first
    raise RuntimeError("no free block of ports")
