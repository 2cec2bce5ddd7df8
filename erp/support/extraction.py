"""What a ticket's text names: voucher codes, phone numbers, payment references.

Voucher codes are drawn from erp.vouchers' alphabet (no 0/1/I/L/O) at the lengths codes are
issued; a word qualifies only if it mixes letters and digits (so "HAKUNA" or "2000" are not
codes). Payment references are the mobile money / card confirmations customers paste.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

from erp.vouchers.choices import ALPHABET
from erp.vouchers.codes import MAX_CODE_LENGTH

MIN_CODE_LENGTH = 8  # shorter codes are not issued (below the minimum entropy)
_CODE = re.compile(rf"\b[{ALPHABET}]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}\b")
# M-Pesa style 10 alphanumerics, or dotted bank/portal references, or TXN/REF + digits
_REFERENCE = re.compile(
    r"\b(?:(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10}|[A-Z]{2,4}\d{6}\.\d{4}\.[A-Z0-9]{4,8}"
    r"|(?:TXN|REF)[-:]?\d{6,14})\b"
)


_WORD = re.compile(r"\w+")


def voucher_codes(text: str) -> list[str]:
    found = []
    for match in _CODE.finditer(text.upper()):
        word = match.group(0)
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            found.append(word)
    return list(dict.fromkeys(found))


def phone_numbers(text: str) -> list[str]:
    region = getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "TZ"
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return list(dict.fromkeys(found))


def payment_references(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in _REFERENCE.finditer(text.upper())))


def site_names(text: str, names: list[str]) -> list[str]:
    """The site names (of ``names``) the text mentions as whole words, case-insensitive."""
    folded = " " + " ".join(_WORD.findall(text.lower())) + " "
    found = []
    for name in names:
        words = " ".join(_WORD.findall(name.lower()))
        if words and f" {words} " in folded:
            found.append(name)
    return found


def extract(text: str) -> dict[str, list[str]]:
    """Everything found, for ``Ticket.extracted``; a code also shaped like a reference is
    reported as both (the services look each up in its own table)."""
    text = text[:20000]
    return {
        "voucher_codes": voucher_codes(text),
        "phones": phone_numbers(text),
        "payment_references": payment_references(text),
    }
