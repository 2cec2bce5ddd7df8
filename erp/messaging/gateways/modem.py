"""A USB GSM modem over its serial port (pyserial): AT commands, PDU mode.

Each part goes as ``AT+CMGS=<length>``, the modem's ``>`` prompt, the PDU and Ctrl-Z; the
answer is ``+CMGS: <reference>`` then ``OK``, or ``+CMS ERROR: <n>`` (mapped below to a
reason a person can act on). A status report is requested in each PDU (the modem reports
``+CDS`` with the same reference). The modem keeps no message id, so a message in flight
when a worker died is failed rather than risk a second send (``can_tell_status``).

Inbound texts and delivery reports are stored on the SIM and announced (``AT+CNMI=2,1,0,2,0``)
by the unsolicited result codes ``+CMTI: "SM",<index>`` (a text) and ``+CDSI: "SM",<index>``
(a report). They may arrive in the middle of any answer: the adapter takes them out of the
stream (they are never mistaken for an answer) and keeps their indexes in ``notices``, so the
caller reads those at once (``read_inbox(indexes=…)``, ``AT+CMGR``) instead of at the next
minute's listing. Nothing is deleted while reading: ``delete`` (``AT+CMGD``) comes once the
caller has logged what it read, so a crash in between loses nothing.
"""

from __future__ import annotations

import hashlib
import re
import time

import serial
from django.utils.translation import gettext_noop

from erp.core.texts import Text

from .. import pdu
from .base import Accepted, InboxItem, Rejected, Status, Unavailable

# An unsolicited result code announcing a stored text (CMTI) or status report (CDSI).
NOTICE = re.compile(r'\r?\n?\+(CMTI|CDSI): *"?(\w*)"?,(\d+)\r\n')

# +CMS ERROR codes (3GPP TS 27.005 §3.2.5 and the network causes of TS 24.011): the reason,
# and whether trying again later can help.
CMS_ERRORS: dict[int, tuple[str, bool]] = {
    21: (gettext_noop("The network refused the message (no credit on the SIM?)."), False),
    27: (gettext_noop("The number is not reachable."), True),
    38: (gettext_noop("The mobile network is out of order."), True),
    41: (gettext_noop("The mobile network failed for now."), True),
    42: (gettext_noop("The mobile network is congested."), True),
    304: (gettext_noop("The modem refused the message format (PDU)."), False),
    310: (gettext_noop("There is no SIM card in the modem."), True),
    311: (gettext_noop("The SIM card needs its PIN."), True),
    313: (gettext_noop("The SIM card has failed."), True),
    314: (gettext_noop("The SIM card is busy."), True),
    316: (gettext_noop("The SIM card needs its PUK."), True),
    321: (gettext_noop("There is no message at that place on the SIM."), False),
    322: (gettext_noop("The SIM card's memory is full."), True),
    330: (gettext_noop("The modem does not know the SMS centre's number."), False),
    331: (gettext_noop("The modem has no network."), True),
    332: (gettext_noop("The mobile network did not answer in time."), True),
    500: (gettext_noop("The modem failed (unknown error)."), True),
}


class ModemGateway:
    can_tell_status = False

    def __init__(self, device: str, *, baudrate: int = 115200, timeout: float = 10.0) -> None:
        self.device = device
        self.baudrate = baudrate
        self.timeout = timeout
        self.references: list[int] = []
        # (kind, index) of every +CMTI / +CDSI seen while the port was open
        self.notices: list[tuple[str, int]] = []

    @classmethod
    def for_gateway(cls, gateway) -> ModemGateway:
        if not gateway.base_url:
            raise Rejected(Text(gettext_noop("This modem gateway has no serial port.")))
        return cls(gateway.base_url)

    # --- the AT dialogue ----------------------------------------------------------------
    def _open(self):
        try:
            return serial.serial_for_url(self.device, baudrate=self.baudrate, timeout=0.1)
        except (serial.SerialException, OSError):
            raise Unavailable(
                Text(gettext_noop("The modem's serial port cannot be opened (is it plugged in?)."))
            ) from None

    def _take_notices(self, buffer: str) -> str:
        """``buffer`` without its unsolicited +CMTI/+CDSI lines, which go to ``notices``."""

        def keep(match: re.Match) -> str:
            self.notices.append((match.group(1), int(match.group(3))))
            return ""

        return NOTICE.sub(keep, buffer)

    def _read_until(self, port, *ends: str) -> str:
        """Read until one of ``ends`` or an error line; Unavailable after ``timeout``."""
        deadline = time.monotonic() + self.timeout
        buffer = ""
        while time.monotonic() < deadline:
            chunk = port.read(256)
            if not chunk:
                continue
            buffer = self._take_notices(buffer + chunk.decode("ascii", "replace"))
            if any(end in buffer for end in ends):
                return buffer
            tail = buffer.rsplit("+CMS ERROR:", 1)
            if len(tail) == 2 and "\r\n" in tail[1]:
                return buffer
            if "\r\nERROR\r\n" in buffer:
                return buffer
        raise Unavailable(Text(gettext_noop("The modem does not answer.")))

    def _command(self, port, line: str) -> str:
        port.write((line + "\r").encode("ascii"))
        answer = self._read_until(port, "\r\nOK\r\n")
        self._raise_for(answer)
        return answer

    @staticmethod
    def _raise_for(answer: str) -> None:
        if "+CMS ERROR:" in answer:
            raw = answer.split("+CMS ERROR:", 1)[1].strip().split()[0]
            try:
                code = int(raw)
            except ValueError:
                raise Unavailable(Text(gettext_noop("The modem failed."))) from None
            reason, retry = CMS_ERRORS.get(
                code, (gettext_noop("The modem refused the message (error %(code)s)."), True)
            )
            raise (Unavailable if retry else Rejected)(Text(reason, code=code))
        if "\r\nERROR" in answer and "OK" not in answer:
            raise Rejected(Text(gettext_noop("The modem refused the command.")))

    def send(self, *, message_id: str, phone: str, text: str, ttl_seconds: int | None) -> Accepted:
        reference = int(message_id.replace("-", "")[:2], 16)  # ties the parts together
        pdus = pdu.submit_pdus(phone, text, reference=reference)
        port = self._open()
        sent = []
        try:
            self._command(port, "AT")
            self._command(port, "ATE0")
            self._command(port, "AT+CMGF=0")
            # texts and delivery reports stored on the SIM, announced by +CMTI / +CDSI
            self._command(port, "AT+CNMI=2,1,0,2,0")
            for hex_pdu, length in pdus:
                port.write(f"AT+CMGS={length}\r".encode("ascii"))
                prompt = self._read_until(port, "> ")
                self._raise_for(prompt)
                port.write(hex_pdu.encode("ascii") + b"\x1a")
                answer = self._read_until(port, "\r\nOK\r\n")
                self._raise_for(answer)
                sent.append(int(answer.split("+CMGS:", 1)[1].split()[0]))
        except (Unavailable, Rejected) as exc:
            if sent:  # some parts left: the reason says so
                raise Rejected(
                    Text(
                        gettext_noop("%(reason)s (%(sent)s of %(parts)s parts went out.)"),
                        reason=exc.reason,
                        sent=len(sent),
                        parts=len(pdus),
                    )
                ) from None
            raise
        finally:
            port.close()
        self.references = sent
        return Accepted(reference=",".join(str(r) for r in sent), sent=True)

    def read_inbox(self, indexes: list[int] | None = None) -> list[InboxItem]:
        """The texts and delivery reports stored on the SIM: every one (``AT+CMGL=4``), or
        those at ``indexes`` (``AT+CMGR``, the ones a +CMTI / +CDSI announced). Nothing is
        deleted here (see ``delete``). A PDU we cannot read is left on the SIM."""
        port = self._open()
        try:
            self._command(port, "AT")
            self._command(port, "AT+CMGF=0")
            stored: list[tuple[int, str]] = []
            if indexes is None:
                lines = self._lines(self._command(port, "AT+CMGL=4"))
                for i, line in enumerate(lines):
                    if line.startswith("+CMGL:") and i + 1 < len(lines):
                        stored.append((int(line.split(":", 1)[1].split(",")[0]), lines[i + 1]))
            else:
                for index in sorted(set(indexes)):
                    try:
                        lines = self._lines(self._command(port, f"AT+CMGR={index}"))
                    except Rejected:
                        continue  # nothing at that index any more (read and deleted before)
                    for i, line in enumerate(lines):
                        if line.startswith("+CMGR:") and i + 1 < len(lines):
                            stored.append((index, lines[i + 1]))
        finally:
            port.close()
        found: list[InboxItem] = []
        for index, hex_pdu in stored:
            try:
                if pdu.is_status_report(hex_pdu):
                    message, at = pdu.decode_status_report(hex_pdu), None
                else:
                    message = pdu.decode_deliver(hex_pdu)
                    at = message.sent_at
            except (ValueError, IndexError, KeyError):
                continue
            key = hashlib.sha256(hex_pdu.upper().encode()).hexdigest()[:40]
            found.append(InboxItem(ref=str(index), key=key, message=message, received_at=at))
        return found

    @staticmethod
    def _lines(answer: str) -> list[str]:
        return [line.strip() for line in answer.splitlines() if line.strip()]

    def delete(self, refs: list[str]) -> None:
        """Delete stored messages (``AT+CMGD``) once they are logged."""
        if not refs:
            return
        port = self._open()
        try:
            self._command(port, "AT")
            for ref in refs:
                self._command(port, f"AT+CMGD={int(ref)}")
        finally:
            port.close()

    def status(self, message_id: str) -> Status | None:
        return None

    def register_webhooks(self, url: str, *, prefix: str = "viornet") -> list[str]:
        return []
