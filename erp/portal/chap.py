"""MikroTik hotspot CHAP, as the hotspot's own login.html computes it.

The router hands the login page ``chap-id`` and ``chap-challenge`` as octal-escaped strings
(``\\375\\102…``: each byte as a backslash and three octal digits, printable bytes sometimes
as themselves). login.html posts ``password = hexMD5(chap-id + password + chap-challenge)``
over those raw bytes; the router checks it against the user's password.
"""

from __future__ import annotations

import hashlib
import re

_OCTAL = re.compile(r"\\([0-7]{3})")


def unescape(text: str) -> bytes:
    """The bytes of a MikroTik octal-escaped string ("\\375A" -> b"\\xfdA")."""
    out = bytearray()
    pos = 0
    for match in _OCTAL.finditer(text):
        out += text[pos : match.start()].encode("latin-1", "replace")
        out.append(int(match.group(1), 8) & 0xFF)
        pos = match.end()
    out += text[pos:].encode("latin-1", "replace")
    return bytes(out)


def escape(data: bytes) -> str:
    """Every byte as \\ooo: what the router puts in $(chap-id) and $(chap-challenge)."""
    return "".join(f"\\{b:03o}" for b in data)


def response(chap_id: str, password: str, chap_challenge: str) -> str:
    """hexMD5(chap-id + password + chap-challenge) over raw bytes, as login.html sends it."""
    data = unescape(chap_id) + password.encode("latin-1", "replace") + unescape(chap_challenge)
    return hashlib.md5(data).hexdigest()  # noqa: S324 - MikroTik's hotspot CHAP is MD5
