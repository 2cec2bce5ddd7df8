"""Template filters for figures and values: every list and detail page formats through
``erp.core.formats`` (money "176,120" / "TSh 176,120", "26 Nov 2026, 11:01", names, Yes/No,
"6 min")."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeData
from viewflow.views.list import ModelFieldColumn

from erp.core import formats
from erp.core.money import MoneyField, format_money

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """'TSh 12,500' (settings.CURRENCY, in the active language's pattern), or in another
    currency (`|money:payment.currency`: '5 000 FCFA'); empty for None."""
    if value is None or value == "":
        return ""
    return format_money(value, currency or None)


@register.filter
def amount(value) -> str:
    """'12,500' (where a label names the currency); empty for None."""
    return formats.money(value)


@register.filter
def when(value) -> str:
    """'26 Nov 2026, 11:01' in the current time zone."""
    return formats.date_time(value)


@register.filter
def person(user) -> str:
    """A person's full name (the username when none is recorded)."""
    return formats.person(user)


def _cell(column, obj, value):
    """One list cell as people read it, or the column's own rendering (choices, HTML)."""
    field = getattr(column, "model_field", None) if isinstance(column, ModelFieldColumn) else None
    if field is not None:
        if getattr(field, "flatchoices", None):
            return column.format_value(obj, value)
        return formats.display(value, field)
    if isinstance(value, SafeData):
        return value
    if value is None:
        return column.format_value(obj, value)
    return formats.display(value)


@register.filter
def erp_list_page_data(page, list_view):
    """viewflow's ``list_page_data`` with the values formatted by ``erp.core.formats``:
    [(obj, [(column, cell), …]), …]; the object's link columns stay links."""
    links = list_view.get_object_link_columns
    for obj in page:
        row = []
        for column in list_view.list_columns.values():
            cell = _cell(column, obj, column.get_value(obj))
            if column.attr_name in links:
                url = list_view.get_object_url(obj)
                if url:
                    cell = format_html('<a href="{}">{}</a>', url, cell)
            row.append((column, cell))
        yield obj, row


@register.filter
def column_header(column) -> str:
    """The column's header, with the currency for money: 'Amount (TZS)'."""
    header = column.header()
    if isinstance(getattr(column, "model_field", None), MoneyField):
        return f"{header} ({settings.CURRENCY})"
    return header


@register.filter
def erp_object_data(view):
    """A detail page's (field, label, value) rows: machine ids (UUIDs, idempotency keys) left
    out, values formatted for people, money labels naming the currency."""
    for field, label, value in view.get_object_data():
        if formats.is_machine_id(field):
            continue
        if getattr(field, "flatchoices", None):
            yield field, label, value
        elif isinstance(field, MoneyField):
            yield field, f"{label} ({settings.CURRENCY})", formats.money(value)
        else:
            yield field, label, formats.display(value, field)


@register.filter
def day(value) -> str:
    """'26 Nov 2026'."""
    return formats.date(value)


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta as people say it: '6 min', '1 h 30 min', '1 day'."""
    return formats.duration(value)
