"""How many SMS a text costs: GSM-7 or UCS-2, and its parts, computed as a phone does.

Pure functions, no Django: the compose page's counter (static/messaging/counter.js) follows
the same rules, and the gateways split with ``segments`` so a part never ends in the middle
of an escape sequence or a surrogate pair.

GSM 03.38: the basic table costs one septet a character, the extension table (``^{}\\[~]|€``
and form feed) two (escape + character). One SMS carries 160 septets; a part of a longer
message 153 (the user data header takes 7). Any other character forces UCS-2: 70 UTF-16 units
in one SMS, 67 per part; a character outside the BMP (an emoji) is two units.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)

GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# Typographic punctuation that word processors and phones put in and that would switch a
# whole message to UCS-2 (70 characters an SMS instead of 160).
NORMALISE = str.maketrans(
    {
        "\u2019": "'",  # ’
        "\u2018": "'",  # ‘
        "\u201a": "'",  # ‚
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2026": "...",  # …
        "\u00a0": " ",  # non-breaking space
        "\u202f": " ",  # narrow non-breaking space
        "\u2009": " ",  # thin space
    }
)


@dataclass(frozen=True)
class Count:
    """What a text costs: its encoding, its length in units (septets or UTF-16 units), its
    parts, and how many units are left in the last part."""

    encoding: str
    units: int
    parts: int
    remaining: int

    @property
    def per_part(self) -> int:
        single, multi = LIMITS[self.encoding]
        return single if self.parts <= 1 else multi


def normalise(text: str) -> str:
    """Replace typographic punctuation by its GSM-7 equivalent."""
    return text.translate(NORMALISE)


_GSM7 = _BASIC | _EXTENSION


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


def encoding_of(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def _unit_cost(ch: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if ch in _EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def units(text: str, encoding: str | None = None) -> int:
    encoding = encoding or encoding_of(text)
    if encoding == GSM7:
        return len(text) + sum(1 for ch in text if ch in _EXTENSION)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def segments(text: str, encoding: str | None = None) -> list[str]:
    """The text cut into the parts it is sent as (one item for a single SMS; empty text is
    one empty part). A character costing two units is never cut in half."""
    encoding = encoding or encoding_of(text)
    single, multi = LIMITS[encoding]
    if units(text, encoding) <= single:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        cost = _unit_cost(ch, encoding)
        if used + cost > multi:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost
    parts.append("".join(current))
    return parts


def count(text: str) -> Count:
    """The encoding, units and parts of ``text`` as it would be sent (not normalised here:
    call ``normalise`` first, as ``prepare`` does)."""
    encoding = encoding_of(text)
    n = units(text, encoding)
    single, multi = LIMITS[encoding]
    if n <= single:
        return Count(encoding=encoding, units=n, parts=1, remaining=single - n)
    parts = segments(text, encoding)
    remaining = multi - units(parts[-1], encoding)
    return Count(encoding=encoding, units=n, parts=len(parts), remaining=remaining)


def prepare(text: str) -> tuple[str, Count]:
    """The text as it will be sent (normalised) and what it costs."""
    text = normalise(text)
    return text, count(text)
