"""Voucher codes: drawn from a CSPRNG over an unambiguous alphabet.

A code of length L over 31 symbols carries L × log2(31) ≈ 4.95 L bits; the prefix is fixed and
adds none. The default (11 symbols, ≈ 54.5 bits) is above the 50-bit floor of the design; a
configuration under 40 bits is refused, saying how many bits it has.
"""

from __future__ import annotations

import math
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import ALPHABET, MIN_BITS

MAX_CODE_LENGTH = 24


def code_bits(length: int, alphabet: str = ALPHABET) -> float:
    return length * math.log2(len(alphabet))


def check_code_config(*, length: int, prefix: str = "") -> None:
    """Refuse codes too weak to resist guessing, or malformed prefixes."""
    errors = {}
    if not 1 <= length <= MAX_CODE_LENGTH:
        errors["code_length"] = _("Code length must be between 1 and %(max)d.") % {
            "max": MAX_CODE_LENGTH
        }
    elif code_bits(length) < MIN_BITS:
        errors["code_length"] = _(
            "A code of %(length)d characters has %(bits).1f bits of entropy; at least "
            "%(min)d are needed (use %(need)d characters or more)."
        ) % {
            "length": length,
            "bits": code_bits(length),
            "min": MIN_BITS,
            "need": math.ceil(MIN_BITS / math.log2(len(ALPHABET))),
        }
    if prefix and not (prefix.isalnum() and prefix.isascii() and len(prefix) <= 8):
        errors["code_prefix"] = _("A prefix is up to 8 letters or digits.")
    if length + len(prefix) > 32:
        errors["code_length"] = _("Prefix and code together are at most 32 characters.")
    if errors:
        raise ValidationError(errors)


def random_code(length: int, prefix: str = "") -> str:
    """One code: a uniform random integer below 31**length written in the alphabet."""
    number = secrets.randbelow(len(ALPHABET) ** length)
    chars = []
    for _position in range(length):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return prefix + "".join(chars)


# Bytes below 248 (= 8 × 31) map evenly onto the alphabet; the others are dropped, so every
# symbol is equally likely (rejection sampling, done by bytes.translate in C).
_KEEP = 256 - 256 % len(ALPHABET)
_TABLE = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _KEEP else 0 for b in range(256))
_DROP = bytes(range(_KEEP, 256))


def unique_codes(count: int, length: int, prefix: str = "") -> list[str]:
    """``count`` distinct codes (distinct among themselves; the database checks the rest).

    Same distribution as ``random_code``, a hundred thousand at a time from one CSPRNG read.
    """
    codes: set[str] = set()
    while len(codes) < count:
        need = (count - len(codes)) * length
        symbols = secrets.token_bytes(need + need // 8 + 64).translate(_TABLE, _DROP).decode()
        for start in range(0, len(symbols) - length + 1, length):
            codes.add(prefix + symbols[start : start + length])
            if len(codes) == count:
                break
    return list(codes)
