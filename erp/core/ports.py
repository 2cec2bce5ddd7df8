"""Can a server listen here? Asked by `make run`'s preflight and the router simulator, so a
taken port is one clear line instead of a traceback."""

from __future__ import annotations

import errno
import socket


def port_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port, or None if it could (bound the way gunicorn
    and the simulator bind: with SO_REUSEADDR, so a port in TIME_WAIT is not a false alarm)."""
    if not 0 < port < 65536:
        return f"{port} is not a TCP port (1–65535)"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"the address {host!r} does not resolve ({exc.strerror})"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use by another program"
            if exc.errno == errno.EACCES:
                return f"{host}:{port} needs root (ports below 1024 are privileged)"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is not an address of this machine"
            return f"{host}:{port}: {exc.strerror}"
    return None
