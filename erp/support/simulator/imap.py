"""A small IMAP4rev1 server and an SMTP front door for tests and ``make run``: mail sent to the
SMTP port (aiosmtpd) lands in one in-memory INBOX, which the IMAP port serves over real TCP
with the real protocol — the subset a polling client uses: CAPABILITY, LOGIN, SELECT/EXAMINE,
UID SEARCH (ALL / UNSEEN), UID FETCH (RFC822 / BODY.PEEK[]), UID STORE (+FLAGS \\Seen),
NOOP, CLOSE, LOGOUT. Production code never imports it (an import contract says so).
"""

from __future__ import annotations

import re
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import quote

from aiosmtpd.controller import Controller


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class Mailbox:
    """One INBOX, shared by the SMTP front door and the IMAP server."""

    def __init__(self) -> None:
        self.messages: list[Stored] = []
        self._lock = threading.Lock()
        self._next_uid = 1

    def deliver(self, raw: bytes) -> int:
        with self._lock:
            uid = self._next_uid
            self._next_uid += 1
            self.messages.append(Stored(uid, raw))
            return uid

    def seen(self, uid: int) -> bool:
        return any(m.uid == uid and "\\Seen" in m.flags for m in self.messages)

    # SMTP (aiosmtpd handler)
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.deliver(envelope.original_content or envelope.content)
        return "250 OK"


_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def _args(text: str) -> list[str]:
    return [
        re.sub(r"\\(.)", r"\1", m.group(1)) if m.group(1) is not None else m.group(2)
        for m in _ARG.finditer(text)
    ]


class _Handler(socketserver.StreamRequestHandler):
    timeout = 600  # RFC 3501: an idle client may wait 30 min; ours is only slow

    def _send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: ImapServer = self.server.owner  # type: ignore[attr-defined]
        box = server.mailbox
        authed = selected = False
        self._send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ViorNet IMAP simulator ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, argtext = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self._send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self._send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self._send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self._send("* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                user, password = (_args(argtext) + ["", ""])[:2]
                if (user, password) == (server.username, server.password):
                    authed = True
                    self._send(f"{tag} OK LOGIN completed")
                else:
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif not authed:
                self._send(f"{tag} BAD log in first")
            elif command in ("SELECT", "EXAMINE"):
                if _args(argtext)[:1] != ["INBOX"]:
                    self._send(f"{tag} NO [NONEXISTENT] no such mailbox")
                    continue
                selected = True
                self._send(f"* {len(box.messages)} EXISTS")
                self._send("* 0 RECENT")
                self._send("* FLAGS (\\Seen)")
                self._send("* OK [UIDVALIDITY 1] UIDs valid")
                self._send(f"* OK [UIDNEXT {box._next_uid}] next UID")
                self._send(f"{tag} OK [READ-WRITE] {command} completed")
            elif command == "CLOSE":
                selected = False
                self._send(f"{tag} OK CLOSE completed")
            elif command == "UID" and selected:
                self._uid(tag, argtext, box)
            else:
                self._send(f"{tag} BAD unknown or out-of-place command")

    def _uid(self, tag: str, argtext: str, box: Mailbox) -> None:
        sub, _, rest = argtext.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            criteria = rest.upper().split()
            rows = [
                m.uid for m in box.messages if "UNSEEN" not in criteria or "\\Seen" not in m.flags
            ]
            self._send("* SEARCH" + "".join(f" {uid}" for uid in rows))
            self._send(f"{tag} OK SEARCH completed")
            return
        uid_text, _, what = rest.partition(" ")
        wanted = {int(u) for u in uid_text.split(",") if u.isdigit()}
        rows = [(n, m) for n, m in enumerate(box.messages, start=1) if m.uid in wanted]
        if sub == "FETCH":
            for number, message in rows:
                head = f"* {number} FETCH (UID {message.uid} RFC822 {{{len(message.raw)}}}\r\n"
                self.wfile.write(head.encode() + message.raw + b")\r\n")
                if "PEEK" not in what.upper():
                    message.flags.add("\\Seen")
            self._send(f"{tag} OK FETCH completed")
        elif sub == "STORE":
            flags = set(re.findall(r"\\\w+", what))
            for number, message in rows:
                if what.upper().startswith("-FLAGS"):
                    message.flags -= flags
                else:
                    message.flags |= flags
                flagged = " ".join(sorted(message.flags))
                self._send(f"* {number} FETCH (UID {message.uid} FLAGS ({flagged}))")
            self._send(f"{tag} OK STORE completed")
        else:
            self._send(f"{tag} BAD unknown UID command")


class _TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class ImapServer:
    """The IMAP port and the SMTP port on loopback, one INBOX behind both."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        imap_port: int = 0,
        smtp_port: int = 0,
        username: str = "support@viornet.test",
        password: str = "imap-secret",  # noqa: S107 - the simulator's own login
    ) -> None:
        self.host, self.username, self.password = host, username, password
        self.mailbox = Mailbox()
        self._imap = _TCPServer((host, imap_port), _Handler)
        self._imap.owner = self  # type: ignore[attr-defined]
        self.imap_port = self._imap.server_address[1]
        self._smtp = Controller(self.mailbox, hostname=host, port=smtp_port or _free_port())
        self.smtp_port = self._smtp.port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        user, password = quote(self.username, safe=""), quote(self.password, safe="")
        return f"imap://{user}:{password}@{self.host}:{self.imap_port}/INBOX"

    def start(self) -> ImapServer:
        self._thread = threading.Thread(target=self._imap.serve_forever, daemon=True)
        self._thread.start()
        self._smtp.start()
        return self

    def stop(self) -> None:
        self._smtp.stop()
        self._imap.shutdown()
        self._imap.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
