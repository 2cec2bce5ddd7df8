"""Template placeholders: ``{client_name}`` and the like, checked before anything is saved."""

from __future__ import annotations

import string
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "client_name": _("the client's name"),
    "code": _("the voucher code"),
    "package": _("the package"),
    "price": _("the price paid, with its currency"),
    "expiry": _("when the access ends (local time)"),
    "receipt_number": _("the receipt number"),
    "site": _("the site"),
    "agent_phone": _("the agent's phone"),
    # staff notices (fault reports, remittance receipts)
    "staff_name": _("the staff member's or agent's name"),
    "fault_ref": _("the fault's reference"),
    "due": _("when the repair is due (local time)"),
    "amount": _("the amount handed in, with its currency"),
    "method": _("how it was paid"),
    "date": _("when it was received (local time)"),
    "balance": _("what the agent still owes, with its currency"),
    # support tickets
    "ticket_ref": _("the ticket's number, as #1042"),
    "reply": _("the agent's answer or the resolution"),
    "rating_link": _("the link where the customer rates the support (1-5)"),
}


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``; ValidationError for a malformed or unknown one."""
    try:
        names = [
            name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError:
        raise ValidationError(
            _("A brace is not closed: write placeholders as {client_name}."), code="malformed"
        ) from None
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(names)s. Known: %(known)s.")
            % {
                "names": ", ".join(f"{{{n}}}" for n in unknown),
                "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )
    return names


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[tuple[str, str | None], ...]:
    placeholders_in(text)
    return tuple((literal, name) for literal, name, _spec, _conv in string.Formatter().parse(text))


def render(text: str, values: dict[str, object]) -> str:
    """Fill the placeholders; one with no value becomes empty (a client with no name)."""
    out = []
    for literal, name in _parsed(text):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            out.append("" if value is None else str(value))
    return "".join(out)
