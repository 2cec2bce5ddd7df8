"""How values look to people: the one place for money, dates, names, yes/no and durations.

Every screen (viewflow list columns and detail pages through ``erp_format``'s filters, receipts,
CSV exports) formats through these functions, so a language (issue 21) changes them here once:
each locale has one date/time pattern and its number separators. Times are shown in the current
time zone (the installation's ``TIME_ZONE`` unless a middleware activates the user's).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import dateformat, dates, timezone, translation
from django.utils.translation import gettext

from .units import data_size_text, duration_text

# One pattern per locale (Django date-format letters; "M" is the translated month abbreviation);
# "money" places the currency's symbol: "TSh 1,000" in English and Swahili, "1 000 TSh" in
# French (a no-break space keeps the symbol with its amount, a narrow one groups thousands).
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
LOCALES = {
    "en": {"datetime": "j M Y, H:i", "date": "j M Y", "time": "H:i", "group": ",", "point": ".",
           "money": f"{{symbol}}{NBSP}{{amount}}"},
    "sw": {"datetime": "j M Y, H:i", "date": "j M Y", "time": "H:i", "group": ",", "point": ".",
           "money": f"{{symbol}}{NBSP}{{amount}}"},
    "fr": {"datetime": "j M Y, H:i", "date": "j M Y", "time": "H:i",
           "group": NARROW_NBSP, "point": ",", "money": f"{{amount}}{NBSP}{{symbol}}"},
}  # fmt: skip
# How people write each currency (settings.CURRENCY chooses): its symbol and the decimals shown.
# Shillings and CFA francs have no coins in use below one unit: "TSh 1,000", never "1,000.00".
# A currency not listed shows its ISO code and two decimals.
CURRENCIES = {
    "TZS": {"symbol": "TSh", "places": 0},
    "XOF": {"symbol": "FCFA", "places": 0},
}

# Fields that only identify a record for machines: never shown on a detail page.
HIDDEN_FIELD_NAMES = frozenset({"idempotency_key", "client_uuid", "request_id"})
# Whole numbers that are names, not quantities: "8728", not "8,728".
UNGROUPED = ("port", "number", "vlan", "year", "code", "pin")


def locale_formats(language: str | None = None) -> dict[str, str]:
    """The patterns of ``language`` (default: the active language), English when unknown."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return LOCALES.get(code, LOCALES["en"])


def number(value, places: int | None = None) -> str:
    """176120.5 → '176,120.50' with places=2; grouped by the locale; '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        value = Decimal(str(value))
    value = Decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,f}" if places is None else f"{value:,.{places}f}"
    fmt = locale_formats()
    return text.replace(",", "\0").replace(".", fmt["point"]).replace("\0", fmt["group"])


def currency_format(code: str | None = None) -> dict:
    """The symbol and decimals of ``code`` (default: settings.CURRENCY)."""
    code = (code or settings.CURRENCY).upper()
    return CURRENCIES.get(code, {"symbol": code, "places": 2})


def money(value, *, currency: bool | str = False) -> str:
    """An amount as people write it in the active language, with the currency's decimals:
    '176,120' (TZS), or with the currency where no label names it (currency=True, or another
    currency's ISO code): 'TSh 176,120' in English and Swahili, '176 120 TSh' in French."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    fmt = currency_format(currency if isinstance(currency, str) else None)
    text = number(value, places=fmt["places"])
    if not currency:
        return text
    return locale_formats()["money"].format(symbol=fmt["symbol"], amount=text)


def chart_formats(language: str | None = None) -> dict[str, str]:
    """The same conventions for charts (Plotly, d3 formats): separators "decimal+group", and
    the money axis's prefix/suffix and tick format, so a chart's axis reads like the page."""
    fmt = locale_formats(language)
    cash = currency_format()
    pattern = fmt["money"]
    prefix, suffix = ("", f"{NBSP}{cash['symbol']}")
    if pattern.startswith("{symbol}"):
        prefix, suffix = (f"{cash['symbol']}{NBSP}", "")
    return {
        "separators": fmt["point"] + fmt["group"],
        "money_prefix": prefix,
        "money_suffix": suffix,
        "money_tick": ",.0f",
        "money_hover": f",.{cash['places']}f",
    }


def calendar_names(language: str | None = None) -> dict[str, list[str]]:
    """Month and weekday names of ``language`` from Django's own catalogs (the ones the pages'
    dates use), Sunday first as JavaScript counts: the date pickers and chart axes name months
    and days as the pages do."""
    with translation.override(language or translation.get_language()):
        sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Django's weekday lists start on Monday
        return {
            "months": [str(dates.MONTHS[m]) for m in range(1, 13)],
            "months_short": [str(dates.MONTHS_3[m]).capitalize() for m in range(1, 13)],
            "days": [str(dates.WEEKDAYS[d]) for d in sunday_first],
            "days_short": [str(dates.WEEKDAYS_ABBR[d]).capitalize() for d in sunday_first],
        }


def zone_of(place: object) -> dt.tzinfo:
    """The time zone of a site (anything with a ``time_zone``, or a zone's name), else the
    installation's: a receipt, an SMS or a portal page tells the time where the buyer stands."""
    name = (place if isinstance(place, str) else getattr(place, "time_zone", "")) or (
        settings.TIME_ZONE
    )
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def in_time_zone_of(place: object) -> AbstractContextManager:
    """`with in_time_zone_of(sale.site): …` shows times in that site's zone."""
    return timezone.override(zone_of(place))


def sms_time(value: dt.datetime | None) -> str:
    """'26/11 14:30' in the current time zone: an SMS's short day/month and time."""
    return local(value).strftime("%d/%m %H:%M") if value else ""


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the current time zone (naive ones are taken as already local)."""
    if timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date_time(value: dt.datetime | None) -> str:
    """'26 Nov 2026, 11:01' in the current time zone."""
    if value is None:
        return ""
    return dateformat.format(local(value), locale_formats()["datetime"])


def date(value: dt.date | None) -> str:
    """'26 Nov 2026'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value)
    return dateformat.format(value, locale_formats()["date"])


def time(value: dt.time | None) -> str:
    """'11:01'."""
    if value is None:
        return ""
    return dateformat.time_format(value, locale_formats()["time"])


def person(user) -> str:
    """A person by full name ('Baraka Mushi'); the username only when no name is recorded."""
    if user is None or user == "":
        return ""
    if not hasattr(user, "get_full_name"):
        return str(user)
    return user.get_full_name() or user.get_username()


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def duration(value: int | float | dt.timedelta | None) -> str:
    """360 → '6 min'; a timedelta alike; '0 min' for zero; '' for None."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value
    seconds = round(seconds)
    if seconds == 0:
        return gettext("0 min")
    return duration_text(seconds)


def display(value, field: models.Field | None = None) -> str:
    """Any stored value as a person reads it, the field (when known) saying what it means:
    money for a MoneyField, a duration for ``*_seconds`` and DurationField, a size for
    ``*_bytes``, a person for a user, Yes/No, dates in the local zone, grouped numbers."""
    # A MoneyField without importing money.py (which formats through this module).
    if field is not None and type(field).__name__ == "MoneyField":
        return money(value)
    if value is None:
        return ""
    if field is not None and not isinstance(value, bool):
        name = field.name
        if isinstance(field, models.DurationField) or name.endswith("_seconds"):
            return duration(value)
        if name.endswith("_bytes") or name.startswith("limit_bytes"):
            return data_size_text(value) or "0 B"
    if isinstance(value, AbstractBaseUser):
        return person(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dt.datetime):
        return date_time(value)
    if isinstance(value, dt.date):
        return date(value)
    if isinstance(value, dt.time):
        return time(value)
    if isinstance(value, dt.timedelta):
        return duration(value)
    if isinstance(value, Decimal):
        return number(value, places=max(0, -value.as_tuple().exponent))
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(display(item) for item in value)
    if isinstance(value, int):
        if field is not None and any(word in field.name for word in UNGROUPED):
            return str(value)
        return number(value)
    return str(value)


def is_machine_id(field: models.Field) -> bool:
    """A UUID or idempotency key: identifies a record for machines, means nothing to people."""
    return isinstance(field, models.UUIDField) or field.name in HIDDEN_FIELD_NAMES


def csv_value(value) -> str:
    """A value for a CSV cell: times in local time (ISO, sortable), money with two places."""
    if isinstance(value, dt.datetime):
        return local(value).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
