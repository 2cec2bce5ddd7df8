"""Money: Decimal amounts in the one currency the installation runs in.

A reseller works in one currency (TZS by default), so amounts are plain Decimals with two places
and the currency comes from settings; floats never touch money.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy

from . import formats

CENT = Decimal("0.01")


class MoneyField(models.DecimalField):
    """A DecimalField with the project's money precision (12 digits before the point)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "erp.core.money.MoneyField", args, kwargs

    def formfield(self, **kwargs):
        """Forms say the currency beside the amount: "Price (TZS)"."""
        field = super().formfield(**kwargs)
        if field is not None:
            field.label = format_lazy("{} ({})", field.label, settings.CURRENCY)
        return field


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantise to cents, rounding half up as cashiers do. Refuses floats."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal | int | str, currency: str | None = None) -> str:
    """'TSh 12,500' ('12 500 TSh' in French): the form shown on screens, receipts and
    exports (``formats.money``); ``currency`` another ISO code than settings.CURRENCY."""
    return formats.money(to_money(value), currency=currency or True)


def money_strings(value):
    """Decimals (at any depth of dicts and lists) as '1234.50' strings, for JSON: a float
    would round money silently."""
    if isinstance(value, Decimal):
        return str(to_money(value))
    if isinstance(value, dict):
        return {k: money_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [money_strings(v) for v in value]
    return value
