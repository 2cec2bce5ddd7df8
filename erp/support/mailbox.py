"""The support mailbox: an IMAP account polled by beat (SUPPORT_IMAP_URL).

The adapter speaks IMAP through the standard library's ``imaplib`` (any provider serves it; no
webhook or provider API to depend on). Each unseen message is handed to a callback in its own
transaction and flagged \\Seen only after the callback succeeded, so a crash re-reads it at the
next poll (the callback is idempotent by Message-ID). Tests and ``make run`` point it at
erp/support/simulator/imap.py, which speaks the same protocol over TCP.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    username: str
    password: str
    ssl: bool
    folder: str = "INBOX"
    timeout: float = 20.0

    def __repr__(self) -> str:  # never the password
        return f"MailboxConfig({self.username}@{self.host}:{self.port}/{self.folder})"


def config_from_url(url: str, *, timeout: float = 20.0) -> MailboxConfig | None:
    """``imaps://user:password@host:993/INBOX`` (TLS) or ``imap://…`` (plain, loopback only in
    practice); None for an empty setting."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("SUPPORT_IMAP_URL must start with imap:// or imaps://")
    ssl = parts.scheme == "imaps"
    return MailboxConfig(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (993 if ssl else 143),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        ssl=ssl,
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        timeout=timeout,
    )


class MailboxError(Exception):
    """The server refused us (login, folder) or did not answer."""


def poll(config: MailboxConfig, handle: Callable[[bytes], None], *, limit: int = 50) -> int:
    """Hand each unseen message's raw bytes to ``handle`` (at most ``limit``), flag it seen
    after ``handle`` returned. A message whose handling raised stays unseen (logged). Returns
    the messages handled."""
    client_class = imaplib.IMAP4_SSL if config.ssl else imaplib.IMAP4
    try:
        imap = client_class(config.host, config.port, timeout=config.timeout)
    except OSError as error:
        raise MailboxError(f"no answer from {config.host}:{config.port}: {error}") from None
    handled = 0
    try:
        try:
            imap.login(config.username, config.password)
        except imaplib.IMAP4.error:
            raise MailboxError(f"the mailbox refused the login of {config.username}") from None
        status, _data = imap.select(config.folder)
        if status != "OK":
            raise MailboxError(f"no folder {config.folder!r}")
        _status, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:limit]:
            _status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is None:
                continue
            try:
                handle(raw)
            except Exception:
                log.exception("support mail %s not handled; it stays unseen", uid.decode())
                continue
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    return handled
