"""A fake GSM modem on a pseudo-terminal: the AT dialogue of a USB modem in PDU mode.

``FakeModem().start()`` opens a pty and answers on its master side; ``device`` is the slave
path the adapter opens with pyserial. It answers AT, ATE0, AT+CMGF, AT+CNMI, AT+CSMP and
AT+CMGS (prompt, PDU, Ctrl-Z, ``+CMGS: <mr>``), decodes what it was sent, and can play a
modem with no SIM (``cms_error = 310``), no credit (21) or one that stops answering
(``silent``).

Stored messages: ``AT+CMGL=4`` lists them, ``AT+CMGR=<i>`` reads one (``+CMS ERROR: 321``
when the place is empty), ``AT+CMGD=<i>`` deletes one. A text arriving (``receive``) or a
delivery report (``report``) is stored and announced by the unsolicited ``+CMTI: "SM",<i>``
or ``+CDSI: "SM",<i>`` (heard only by whoever has the port open: pyserial flushes what came
before). ``arriving_during_send`` / ``reports_during_send`` hold texts and reports that
arrive while the next message is being sent, announced between the PDU and the ``+CMGS``
answer, as a real modem may.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tty

from erp.messaging import pdu


class FakeModem:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.device = os.ttyname(self.slave)
        self.received: list[pdu.Submitted] = []
        self.commands: list[str] = []
        self.cms_error: int | None = None
        self.silent = False
        self.next_reference = 0
        self.inbox: dict[int, str] = {}  # index -> SMS-DELIVER PDU
        self.arriving_during_send: list[tuple[str, str]] = []  # (phone, text)
        self.reports_during_send: list[tuple[int, str]] = []  # (reference, phone)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> FakeModem:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def messages(self) -> list[str]:
        """The texts received, parts joined by their concatenation reference."""
        out: dict[tuple, list[pdu.Submitted]] = {}
        for part in self.received:
            key = (part.phone, part.reference) if part.reference is not None else (id(part),)
            out.setdefault(key, []).append(part)
        return [
            "".join(p.text for p in sorted(parts, key=lambda p: p.index)) for parts in out.values()
        ]

    def receive(self, phone: str, text: str, *, at=None, announce: bool = True) -> int:
        """An SMS arrives on the SIM (stamped ``at``, default now) and is announced with
        +CMTI; returns its storage index."""
        index = max(self.inbox, default=0) + 1
        self.inbox[index] = pdu.deliver_pdu(phone, text, at)
        if announce:
            self._write(f'\r\n+CMTI: "SM",{index}\r\n')
        return index

    def report(self, reference: int, phone: str, status: int = 0x00, *, announce=True) -> int:
        """The network's delivery report of a sent message: stored, announced with +CDSI,
        listed by AT+CMGL like any stored SMS. Returns its index."""
        index = max(self.inbox, default=0) + 1
        self.inbox[index] = pdu.status_report_pdu(reference, phone, status)
        if announce:
            self._write(f'\r\n+CDSI: "SM",{index}\r\n')
        return index

    def _write(self, text: str) -> None:
        os.write(self.master, text.encode("ascii"))

    def _run(self) -> None:
        buffer = b""
        waiting_pdu = False
        while not self._stop.is_set():
            try:
                chunk = os.read(self.master, 1024)
            except OSError:
                return
            if not chunk:
                continue
            buffer += chunk
            while True:
                if waiting_pdu:
                    if b"\x1a" not in buffer:
                        break
                    raw, buffer = buffer.split(b"\x1a", 1)
                    waiting_pdu = False
                    self._submitted(raw.decode("ascii").strip())
                    continue
                if b"\r" not in buffer:
                    break
                line, buffer = buffer.split(b"\r", 1)
                command = line.decode("ascii", "replace").strip()
                if not command or self.silent:
                    continue
                self.commands.append(command)
                if command.upper().startswith("AT+CMGS="):
                    if self.cms_error == 310:
                        self._write(f"\r\n+CMS ERROR: {self.cms_error}\r\n")
                        continue
                    waiting_pdu = True
                    self._write("\r\n> ")
                elif command.upper().startswith("AT+CMGL"):
                    listing = "".join(
                        f"\r\n+CMGL: {i},0,,{len(p) // 2 - 1}\r\n{p}"
                        for i, p in sorted(self.inbox.items())
                    )
                    self._write(listing + "\r\n\r\nOK\r\n")
                elif command.upper().startswith("AT+CMGR="):
                    stored = self.inbox.get(int(command.split("=", 1)[1] or 0))
                    if stored is None:
                        self._write("\r\n+CMS ERROR: 321\r\n")
                    else:
                        self._write(
                            f"\r\n+CMGR: 0,,{len(stored) // 2 - 1}\r\n{stored}\r\n\r\nOK\r\n"
                        )
                elif command.upper().startswith("AT+CMGD="):
                    self.inbox.pop(int(command.split("=", 1)[1].split(",")[0]), None)
                    self._write("\r\nOK\r\n")
                elif command.upper().startswith("AT"):
                    self._write("\r\nOK\r\n")
                else:
                    self._write("\r\nERROR\r\n")

    def _submitted(self, hex_pdu: str) -> None:
        if self.cms_error is not None:
            self._write(f"\r\n+CMS ERROR: {self.cms_error}\r\n")
            return
        self.received.append(pdu.decode_submit(hex_pdu))
        while self.arriving_during_send:
            self.receive(*self.arriving_during_send.pop(0))
        while self.reports_during_send:
            self.report(*self.reports_during_send.pop(0))
        self.next_reference = (self.next_reference + 1) % 256
        self._write(f"\r\n+CMGS: {self.next_reference}\r\n\r\nOK\r\n")
