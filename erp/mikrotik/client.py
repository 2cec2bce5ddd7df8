"""The one way our code talks to a router: routeros-api behind our own errors.

One connection per ``RouterClient`` (open it once per job and reuse it), timeouts on connect
and on every read, TLS (api-ssl) when the router says so, and every library error mapped to
an exception from ``exceptions`` whose text carries neither the password nor the command's
arguments (voucher codes are hotspot passwords, and never appear in logs either).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import routeros_api
from django.conf import settings
from django.utils.translation import gettext_noop
from routeros_api import exceptions as ros

from erp.core.texts import Text
from erp.sites.models import Router

from .exceptions import (
    RouterAuthFailed,
    RouterError,
    RouterProtocolError,
    RouterTrap,
    RouterUnreachable,
)

log = logging.getLogger(__name__)

_AUTH_MESSAGES = ("invalid user name or password", "not logged in", "cannot log in")
# What a person is told when a connection fails, whatever the cause (refused, closed, filtered,
# timed out, TLS mismatch): the same words, no address, so an error is no port scanner.
# Marked here; raised as a Text, so it is read in the language of whoever reads it later.
UNREACHABLE = gettext_noop("The router is unreachable; check its address, port and TLS setting.")
LOGIN_REFUSED = gettext_noop("The router refused the login; check the API username and password.")


def _trap_text(exc: ros.RouterOsApiCommunicationError) -> str:
    original = exc.original_message
    return original.decode("utf-8", "replace") if isinstance(original, bytes) else str(original)


def _connection_reason(inner: object, timeout: float) -> str:
    """Words for what routeros-api wrapped in its connection error: an OSError, a timeout, or
    (it does this) a plain string such as 'timed out' — never just a class name like 'str'."""
    if isinstance(inner, socket.timeout | TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(inner, OSError):
        return inner.strerror or str(inner) or type(inner).__name__
    text = str(inner).strip()
    if "timed out" in text.lower():
        return f"no answer within {timeout:g} s"
    return text[:200] or "connection lost"


@dataclass(frozen=True)
class Reply:
    """The outcome of one command of a pipeline."""

    index: int
    ok: bool
    ret: str = ""
    rows: tuple[dict[str, str], ...] = ()
    error: str = ""


class RouterClient:
    """A connection to one router. Use as a context manager::

    with RouterClient(router) as client:
        client.print("/ip/hotspot/user", proplist=["name"])
    """

    def __init__(self, router: Router, *, timeout: float | None = None):
        self.router = router
        self.timeout = timeout or settings.ROUTER_TIMEOUT
        self._pool: routeros_api.RouterOsApiPool | None = None
        self._api = None
        self._raw: socket.socket | None = None

    @property
    def where(self) -> str:
        return f"{self.router.host}:{self.router.api_port}"

    # --- connection ---------------------------------------------------------------------------
    def __enter__(self) -> RouterClient:
        self.connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self) -> None:
        router = self.router
        pool = routeros_api.RouterOsApiPool(
            router.host,
            username=router.username,
            password=router.get_password(),
            port=router.api_port,
            plaintext_login=not router.legacy_login,
            use_ssl=router.use_tls,
            ssl_verify=router.tls_verify,
            ssl_verify_hostname=router.tls_verify,
        )
        pool.socket_timeout = self.timeout
        try:
            self._api = pool.get_api()
        except ros.RouterOsApiCommunicationError as exc:
            pool.disconnect()
            # Whatever the peer answered to /login (an auth message or other text) is not
            # shown: the peer may be no router at all.
            raise RouterAuthFailed(
                Text(LOGIN_REFUSED), detail=f"{self.where} /login: {_trap_text(exc)[:200]}"
            ) from None
        except ssl.SSLError as exc:
            pool.disconnect()
            raise RouterUnreachable(
                Text(UNREACHABLE),
                detail=f"TLS handshake with {self.where} failed ({exc.reason or 'ssl error'})",
            ) from None
        except Exception as exc:  # noqa: BLE001 - every failure becomes one of ours
            pool.disconnect()
            raise self._unreachable(exc) from None
        self._pool = pool
        # routeros-api writes a sentence word by word; without TCP_NODELAY, Nagle's algorithm
        # and the peer's delayed ACK add ~40 ms to every command that waits for its reply.
        self._raw = getattr(pool.socket, "socket", None)
        self._sockopt(socket.TCP_NODELAY, 1)
        # An empty /login on RouterOS 6.43+ is answered without logging in, and routeros-api
        # then believes it is logged in: ask something small to be sure.
        if router.legacy_login:
            self.print("/system/identity")

    def _sockopt(self, option: int, value: int) -> None:
        if self._raw is not None:
            with contextlib.suppress(OSError):
                self._raw.setsockopt(socket.IPPROTO_TCP, option, value)

    @contextlib.contextmanager
    def _corked(self):
        """Hold small writes back and send them as full packets (Linux TCP_CORK): a window of
        pipelined commands leaves in a few packets instead of one per word."""
        cork = getattr(socket, "TCP_CORK", None)
        if cork is not None:
            self._sockopt(cork, 1)
        try:
            yield
        finally:
            if cork is not None:
                self._sockopt(cork, 0)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.disconnect()
        self._pool = None
        self._api = None

    def _unreachable(self, exc: BaseException) -> RouterUnreachable:
        if isinstance(exc, socket.timeout | TimeoutError):
            reason = f"no answer within {self.timeout:g} s"
        elif isinstance(exc, ros.RouterOsApiConnectionError) and exc.args:
            reason = _connection_reason(exc.args[0], self.timeout)
        elif isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
        else:
            reason = type(exc).__name__
        return RouterUnreachable(Text(UNREACHABLE), detail=f"cannot reach {self.where}: {reason}")

    def _map(self, exc: BaseException, command: str) -> RouterError:
        if isinstance(exc, ros.RouterOsApiCommunicationError):
            text = _trap_text(exc)
            if any(m in text for m in _AUTH_MESSAGES):
                return RouterAuthFailed(
                    Text(
                        gettext_noop("%(refused)s (Check the login method.)"),
                        refused=Text(LOGIN_REFUSED),
                    ),
                    detail=f"{self.where}: {text}",
                )
            return RouterTrap(text, command=command)
        if isinstance(exc, ros.RouterOsApiParsingError | ros.FatalRouterOsApiError):
            self.close()
            return RouterProtocolError(
                Text(
                    gettext_noop("The router answered %(command)s in a way we do not read."),
                    command=command,
                ),
                detail=f"{self.where} answered {command} in a way we do not read",
            )
        self.close()
        return self._unreachable(exc)

    def _resource(self, path: str):
        if self._api is None:
            raise RouterUnreachable(Text(UNREACHABLE), detail=f"not connected to {self.where}")
        return self._api.get_resource(path)

    # --- single commands ----------------------------------------------------------------------
    def call(
        self,
        path: str,
        verb: str,
        arguments: dict[str, str] | None = None,
        queries: dict[str, str] | None = None,
    ) -> tuple[list[dict[str, str]], str]:
        """Run one command; returns (rows, ret)."""
        try:
            response = self._resource(path).call(verb, arguments or {}, queries or {})
        except RouterError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._map(exc, f"{path}/{verb}") from None
        return list(response), response.done_message.get("ret", "")

    def print(
        self, path: str, *, proplist: Iterable[str] | None = None, **query: str
    ) -> list[dict[str, str]]:
        arguments = {"proplist": ",".join(proplist)} if proplist else {}
        return self.call(path, "print", arguments, query)[0]

    def add(self, path: str, **attrs: str) -> str:
        return self.call(path, "add", attrs)[1]

    def set(self, path: str, item_id: str, **attrs: str) -> None:
        self.call(path, "set", {"id": item_id, **attrs})

    def remove(self, path: str, item_id: str) -> None:
        self.call(path, "remove", {"id": item_id})

    # --- pipelining ---------------------------------------------------------------------------
    def pipeline(
        self,
        path: str,
        verb: str,
        calls: Iterable[dict[str, str] | tuple[dict[str, str], dict[str, str]]],
        *,
        window: int | None = None,
    ) -> Iterator[Reply]:
        """Send many commands without waiting for each reply; yield replies in order.

        Up to ``window`` commands are in flight at once, each with its own tag, so a batch
        costs one round trip per window instead of one per command. A trap fails only its own
        command. A dropped connection raises RouterUnreachable after the replies that did
        arrive have been yielded, so the caller can record exactly what was acknowledged.
        Each call is the command's arguments, or (arguments, queries) for a filtered print.
        """
        window = window or settings.ROUTER_PIPELINE_WINDOW
        resource = self._resource(path)
        pending: list[tuple[int, Any]] = []
        calls_iter = enumerate(calls)

        def fill() -> None:
            with self._corked():
                for index, call in calls_iter:
                    args, queries = call if isinstance(call, tuple) else (call, None)
                    try:
                        pending.append((index, resource.call_async(verb, args, queries)))
                    except Exception as exc:  # noqa: BLE001
                        raise self._map(exc, f"{path}/{verb}") from None
                    if len(pending) >= window:
                        return

        fill()
        while pending:
            index, promise = pending.pop(0)
            try:
                response = promise.get()
                yield Reply(
                    index, True, ret=response.done_message.get("ret", ""), rows=tuple(response)
                )
            except ros.RouterOsApiCommunicationError as exc:
                yield Reply(index, False, error=_trap_text(exc))
            except Exception as exc:  # noqa: BLE001
                raise self._map(exc, f"{path}/{verb}") from None
            if len(pending) < window // 2:
                fill()

    # --- conveniences ---------------------------------------------------------------------
    def identity(self) -> str:
        rows = self.print("/system/identity")
        return rows[0].get("name", "") if rows else ""

    def resource(self) -> dict[str, str]:
        rows = self.print("/system/resource")
        return rows[0] if rows else {}
