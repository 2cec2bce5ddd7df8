"""RouterOS time values ("1w2d3h4m5s", "01:02:03") to seconds and back.

The router writes uptimes and limits in this form; the services read them, and the RouterOS
simulator uses the same functions (never the other way round: production code does not
import the simulator).
"""

from __future__ import annotations

UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def format_uptime(seconds: float) -> str:
    """Seconds as RouterOS writes them: 90061 → "1d1h1m1s"; 0 → "0s"."""
    seconds = int(seconds)
    weeks, seconds = divmod(seconds, 7 * 86400)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(weeks, "w"), (days, "d"), (hours, "h"), (minutes, "m")]
    text = "".join(f"{v}{u}" for v, u in parts if v)
    return text + f"{seconds}s" if seconds or not text else text


def parse_uptime(text: str) -> int:
    """'1w2d3h4m5s' or '01:02:03' → seconds (RouterOS accepts both); ValueError otherwise."""
    if not text or text in {"0", "0s"}:
        return 0
    if ":" in text:
        try:
            hours, minutes, seconds = (int(p) for p in text.split(":"))
        except ValueError:
            raise ValueError(f"value of time out of range or invalid: {text}") from None
        return hours * 3600 + minutes * 60 + seconds
    total, number = 0, ""
    for char in text:
        if char.isdigit():
            number += char
        elif char in UNITS and number:
            total += int(number) * UNITS[char]
            number = ""
        else:
            raise ValueError(f"value of time out of range or invalid: {text}")
    if number:
        total += int(number)
    return total
