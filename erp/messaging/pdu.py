"""SMS-SUBMIT PDUs (3GPP TS 23.040) for a GSM modem in PDU mode: GSM-7 (septets packed) or
UCS-2 text, a status report requested, and a concatenation header (UDH, 8-bit reference)
when the text needs more than one SMS. Pure functions; ``decode_submit`` reads one back (the
fake modem and the tests use it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

from . import encoding

# GSM 03.38 basic table in code order (0x1B is the escape to the extension table).
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION_TABLE = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_BASIC_CODE = {ch: i for i, ch in enumerate(BASIC_TABLE) if ch != "\x1b"}
_EXTENSION_CHAR = {code: ch for ch, code in EXTENSION_TABLE.items()}


def septets(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        if ch in _BASIC_CODE:
            out.append(_BASIC_CODE[ch])
        else:
            out.extend((0x1B, EXTENSION_TABLE[ch]))
    return out


def pack(values: list[int], fill_bits: int = 0) -> bytes:
    """Septets packed LSB first, after ``fill_bits`` zero bits (alignment after a UDH)."""
    out = bytearray()
    acc, nbits = 0, fill_bits
    for value in values:
        acc |= (value & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    acc = int.from_bytes(data, "little")
    return [(acc >> (fill_bits + 7 * i)) & 0x7F for i in range(count)]


def _address(phone: str) -> bytes:
    digits = phone.lstrip("+")
    swapped = bytearray()
    padded = digits + ("F" if len(digits) % 2 else "")
    for i in range(0, len(padded), 2):
        swapped.append(int(padded[i + 1] + padded[i], 16))
    return bytes([len(digits), 0x91]) + bytes(swapped)


def submit_pdus(
    phone: str, text: str, *, reference: int, report: bool = True
) -> list[tuple[str, int]]:
    """The PDUs of ``text`` to ``phone`` (E.164): [(hex PDU with an empty SMSC, TPDU length
    for AT+CMGS)]. ``reference`` (0-255) ties the parts of one message together."""
    code = encoding.encoding_of(text)
    parts = encoding.segments(text, code)
    multi = len(parts) > 1
    out = []
    for index, part in enumerate(parts, start=1):
        first = 0x01 | (0x20 if report else 0) | (0x40 if multi else 0)
        header = bytes([0x05, 0x00, 0x03, reference & 0xFF, len(parts), index]) if multi else b""
        if code == encoding.GSM7:
            values = septets(part)
            fill = (7 - (len(header) * 8) % 7) % 7 if header else 0
            body = pack(values, fill)
            udl = len(values) + ((len(header) * 8 + fill) // 7 if header else 0)
            dcs = 0x00
        else:
            body = part.encode("utf-16-be")
            udl = len(header) + len(body)
            dcs = 0x08
        tpdu = bytes([first, 0x00]) + _address(phone) + bytes([0x00, dcs, udl]) + header + body
        out.append(("00" + tpdu.hex().upper(), len(tpdu)))
    return out


@dataclass(frozen=True)
class Submitted:
    phone: str
    text: str
    reference: int | None
    total: int
    index: int
    report: bool


def decode_submit(pdu_hex: str) -> Submitted:
    data = bytes.fromhex(pdu_hex)
    smsc = data[0]
    pos = 1 + smsc
    first = data[pos]
    pos += 2  # first octet, message reference
    digits_len, _type = data[pos], data[pos + 1]
    raw = data[pos + 2 : pos + 2 + (digits_len + 1) // 2]
    digits = "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in raw)[:digits_len]
    pos += 2 + (digits_len + 1) // 2
    dcs = data[pos + 1]
    pos += 2
    vpf = (first >> 3) & 0x03
    pos += {0: 0, 2: 1, 1: 7, 3: 7}[vpf]
    udl = data[pos]
    ud = data[pos + 1 :]
    reference, total, index, header_len = None, 1, 1, 0
    if first & 0x40:
        header_len = ud[0] + 1
        if ud[1] == 0x00:
            reference, total, index = ud[3], ud[4], ud[5]
    if dcs & 0x0C == 0x08:
        text = ud[header_len:].decode("utf-16-be")
    else:
        fill = (7 - (header_len * 8) % 7) % 7 if header_len else 0
        skip = (header_len * 8 + fill) // 7 if header_len else 0
        values = unpack(ud[header_len:], udl - skip, fill)
        chars, escape = [], False
        for v in values:
            if escape:
                chars.append(_EXTENSION_CHAR.get(v, "?"))
                escape = False
            elif v == 0x1B:
                escape = True
            else:
                chars.append(BASIC_TABLE[v])
        text = "".join(chars)
    return Submitted(
        phone="+" + digits,
        text=text,
        reference=reference,
        total=total,
        index=index,
        report=bool(first & 0x20),
    )


@dataclass(frozen=True)
class Delivered:
    """An SMS-DELIVER: an SMS someone sent to the modem's SIM (``sent_at``: the SMS centre's
    time stamp, when the PDU carries a readable one)."""

    phone: str
    text: str
    sent_at: datetime | None = None


def _semi(octet: int) -> int:
    return (octet & 0x0F) * 10 + (octet >> 4)


def decode_scts(raw: bytes) -> datetime | None:
    """A service-centre time stamp (TS 23.040 §9.2.3.11): seven swapped semi-octets, year to
    second, then the zone in quarter hours (bit 3 of the first digit: west of Greenwich)."""
    if len(raw) != 7:
        return None
    try:
        zone = (raw[6] & 0x07) * 10 + (raw[6] >> 4)
        offset = timedelta(minutes=15 * zone) * (-1 if raw[6] & 0x08 else 1)
        return datetime(
            2000 + _semi(raw[0]),
            _semi(raw[1]),
            _semi(raw[2]),
            _semi(raw[3]),
            _semi(raw[4]),
            _semi(raw[5]),
            tzinfo=dt_timezone(offset),
        )
    except ValueError:
        return None


def encode_scts(at: datetime) -> bytes:
    """``at`` (aware) as a service-centre time stamp."""
    quarters = int((at.utcoffset() or timedelta()).total_seconds() // 900)
    values = [at.year % 100, at.month, at.day, at.hour, at.minute, at.second]
    out = bytes(((v % 10) << 4) | (v // 10) for v in values)
    zone = abs(quarters)
    last = ((zone % 10) << 4) | (zone // 10) | (0x08 if quarters < 0 else 0)
    return out + bytes([last])


def _user_data(first: int, dcs: int, udl: int, ud: bytes) -> str:
    header_len = ud[0] + 1 if first & 0x40 else 0
    if dcs & 0x0C == 0x08:
        return ud[header_len:].decode("utf-16-be")
    fill = (7 - (header_len * 8) % 7) % 7 if header_len else 0
    skip = (header_len * 8 + fill) // 7 if header_len else 0
    chars, escape = [], False
    for v in unpack(ud[header_len:], udl - skip, fill):
        if escape:
            chars.append(_EXTENSION_CHAR.get(v, "?"))
            escape = False
        elif v == 0x1B:
            escape = True
        else:
            chars.append(BASIC_TABLE[v])
    return "".join(chars)


def decode_deliver(pdu_hex: str) -> Delivered:
    data = bytes.fromhex(pdu_hex)
    pos = 1 + data[0]
    first = data[pos]
    digits_len, kind = data[pos + 1], data[pos + 2]
    raw = data[pos + 3 : pos + 3 + (digits_len + 1) // 2]
    digits = "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in raw)[:digits_len]
    pos += 3 + (digits_len + 1) // 2
    dcs = data[pos + 1]
    sent_at = decode_scts(data[pos + 2 : pos + 9])
    pos += 2 + 7  # PID, DCS, service centre time stamp
    udl = data[pos]
    phone = ("+" if kind == 0x91 else "") + digits
    return Delivered(
        phone=phone, text=_user_data(first, dcs, udl, data[pos + 1 :]), sent_at=sent_at
    )


def deliver_pdu(phone: str, text: str, at: datetime | None = None) -> str:
    """An SMS-DELIVER of a one-part ``text`` from ``phone`` stamped ``at`` (default now), what
    a modem lists."""
    gsm = encoding.encoding_of(text) == encoding.GSM7
    if gsm:
        values = septets(text)
        body, udl, dcs = pack(values), len(values), 0x00
    else:
        body = text.encode("utf-16-be")
        udl, dcs = len(body), 0x08
    address = _address(phone)
    scts = encode_scts(at or datetime.now(UTC))
    tpdu = bytes([0x04]) + address + bytes([0x00, dcs]) + scts + bytes([udl]) + body
    return "00" + tpdu.hex().upper()


@dataclass(frozen=True)
class StatusReport:
    """An SMS-STATUS-REPORT: the network says what became of a message we sent (``reference``
    is the TP-MR the modem answered +CMGS with; ``status`` 0x00-0x1F: delivered)."""

    reference: int
    phone: str
    status: int

    @property
    def delivered(self) -> bool:
        return self.status < 0x20

    @property
    def failed(self) -> bool:
        return self.status >= 0x40  # permanent error (0x20-0x3F: the centre still tries)


def is_status_report(pdu_hex: str) -> bool:
    data = bytes.fromhex(pdu_hex)
    return (data[1 + data[0]] & 0x03) == 0x02


def decode_status_report(pdu_hex: str) -> StatusReport:
    data = bytes.fromhex(pdu_hex)
    pos = 1 + data[0] + 1  # service centre, first octet
    reference = data[pos]
    digits_len, kind = data[pos + 1], data[pos + 2]
    raw = data[pos + 3 : pos + 3 + (digits_len + 1) // 2]
    digits = "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in raw)[:digits_len]
    pos += 3 + (digits_len + 1) // 2 + 7 + 7  # recipient, centre time stamp, discharge time
    phone = ("+" if kind == 0x91 else "") + digits
    return StatusReport(reference=reference, phone=phone, status=data[pos])


def status_report_pdu(
    reference: int, phone: str, status: int = 0x00, at: datetime | None = None
) -> str:
    """An SMS-STATUS-REPORT for the message with TP-MR ``reference`` (what a modem stores
    when it announces +CDSI), stamped ``at`` (default now)."""
    stamp = encode_scts(at or datetime.now(UTC))
    tpdu = bytes([0x06, reference & 0xFF]) + _address(phone) + stamp + stamp + bytes([status])
    return "00" + tpdu.hex().upper()
