"""openNDS FAS level 3 ("authmon"): the protocol's pure parts, shared by the views and the
simulator's test double of the router.

The client arrives at the FAS URL with ``fas=<cipher>&iv=<16 ASCII hex characters>``: the
cipher is AES-256-CBC of a string of ``name=value`` fields separated by ", " (``hid``,
``clientip``, ``clientmac``, ``gatewayname``, ``gatewayaddress``, ``authdir``,
``originurl`` …), with key = the shared ``faskey`` bytes NUL-padded (or cut) to 32 bytes, IV =
the 16 ASCII characters as bytes, PKCS#7 padding, then base64 applied twice (openssl's base64
output, encoded again).

Authorising a client stores the pending line ``rhid sessionlength uploadrate downloadrate
uploadquota downloadquota custom`` with ``rhid = sha256hex(hid + faskey)``, under
``gatewayhash = sha256hex(gatewayname as received, still URL-encoded)``. The router's
authmon polls the same URL (POST at level 3) with ``auth_get``, ``gatewayhash`` and a base64
``payload``; see ``erp.portal.services.authmon``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import unquote

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_PER_POLL = 4  # pending lines authmon takes per "view"


class FasError(Exception):
    """A fas string that does not decrypt or parse with this gateway's key."""


def _key(faskey: str) -> bytes:
    return faskey.encode()[:32].ljust(32, b"\0")


def _iv(iv: str) -> bytes:
    raw = iv.encode("ascii", "replace")
    if len(raw) != 16:
        raise FasError("iv must be 16 characters")
    return raw


def encrypt(plaintext: str, *, faskey: str, iv: str) -> str:
    """What openNDS puts in ``fas=`` (the simulator's side, and tests')."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_key(faskey)), modes.CBC(_iv(iv))).encryptor()
    cipher = encryptor.update(data) + encryptor.finalize()
    return base64.b64encode(base64.b64encode(cipher)).decode()


def decrypt(fas: str, *, faskey: str, iv: str) -> str:
    try:
        cipher = base64.b64decode(base64.b64decode(fas, validate=True), validate=True)
        decryptor = Cipher(algorithms.AES(_key(faskey)), modes.CBC(_iv(iv))).decryptor()
        data = decryptor.update(cipher) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(data) + unpadder.finalize()
        return plain.decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FasError("the fas string does not decrypt with this gateway's key") from None


def parse_fields(plaintext: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in plaintext.split(", "):
        name, sep, value = part.partition("=")
        if sep:
            fields[name.strip()] = value.strip()
    if "hid" not in fields or "gatewayname" not in fields:
        raise FasError("the fas string lacks hid or gatewayname")
    return fields


def sha256hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rhid(hid: str, faskey: str) -> str:
    return sha256hex(hid + faskey)


def gatewayhash(gatewayname_as_received: str) -> str:
    return sha256hex(gatewayname_as_received)


def decode_payload(payload: str) -> str:
    try:
        return base64.b64decode(payload or "", validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FasError("payload is not base64") from None


def unquote_line(line: str) -> str:
    return unquote(line)
