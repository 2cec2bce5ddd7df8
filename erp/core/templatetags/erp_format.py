"""Template filters for figures: money with the installation's currency."""

from __future__ import annotations

from django import template

from erp.core.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    """'TZS 12,500.00' (settings.CURRENCY); empty for None."""
    if value is None or value == "":
        return ""
    return format_money(value)
