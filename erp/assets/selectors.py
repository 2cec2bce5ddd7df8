"""Reads of assets, scoped to what the asking user may see, and the readable timeline.

Scope: Super Admin and unscoped staff holding ``assets.view_asset`` see every asset; staff
with a site scope see the assets at their sites plus those at no site (office stock, repair,
retired: what they can assign); agents, and roles without the permission, see none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core.money import to_money
from erp.core.scoping import restrict
from erp.sites.models import Site

from .choices import AssetCondition, AssetStatus
from .models import Asset, AssetMovement, AssetType


def assets_visible_to(user: User) -> QuerySet[Asset]:
    return restrict(Asset.objects.select_related("asset_type", "site", "router"), user)


def movements_visible_to(user: User) -> QuerySet[AssetMovement]:
    return restrict(
        AssetMovement.objects.select_related("asset__asset_type", "from_site", "to_site", "actor"),
        user,
    )


def asset_types() -> QuerySet[AssetType]:
    return AssetType.objects.all()


def warranty_ending(*, user: User | None = None, days: int, today: dt.date) -> QuerySet[Asset]:
    """Assets not retired whose warranty ends between today and today + days (inclusive)."""
    assets = (
        assets_visible_to(user)
        if user is not None
        else Asset.objects.select_related("asset_type", "site")
    )
    return (
        assets.filter(warranty_end__gte=today, warranty_end__lte=today + dt.timedelta(days=days))
        .exclude(status=AssetStatus.RETIRED)
        .order_by("warranty_end", "serial_number")
    )


@dataclass
class InventoryValue:
    """Purchase cost of the assets not retired, per site (None: in stock or repair) and type."""

    by_site: list[dict[str, Any]] = field(default_factory=list)
    by_type: list[dict[str, Any]] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    count: int = 0


def inventory_value(*, user: User) -> InventoryValue:
    """Sums in the database; an asset without a cost counts in ``count`` but adds nothing."""
    assets = assets_visible_to(user).exclude(status=AssetStatus.RETIRED).order_by()
    value = InventoryValue()
    for row in (
        assets.values("site", "site__name", "site__code")
        .annotate(total=Sum("purchase_cost"), count=Count("pk"))
        .order_by(F("site__name").asc(nulls_last=True))
    ):
        value.by_site.append(
            {
                "key": row["site"],
                "name": (
                    f"{row['site__name']} ({row['site__code']})" if row["site"] else _("No site")
                ),
                "count": row["count"],
                "total": to_money(row["total"] or 0),
            }
        )
    for row in (
        assets.values("asset_type", "asset_type__name")
        .annotate(total=Sum("purchase_cost"), count=Count("pk"))
        .order_by("asset_type__name")
    ):
        value.by_type.append(
            {
                "key": row["asset_type"],
                "name": row["asset_type__name"],
                "count": row["count"],
                "total": to_money(row["total"] or 0),
            }
        )
    value.total = to_money(sum((r["total"] for r in value.by_site), Decimal(0)))
    value.count = sum(r["count"] for r in value.by_site)
    return value


# -- timeline -------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    """One change of an asset as a person would tell it."""

    at: dt.datetime
    user: str
    lines: list[str]
    reason: str = ""


def _site_label(site_id, sites: dict) -> str:
    if site_id is None:
        return _("stock")
    site = sites.get(site_id)
    return site.name if site else _("a deleted site")


def _status_label(value: str) -> str:
    return str(AssetStatus(value).label) if value in AssetStatus.values else value


def _condition_label(value: str) -> str:
    return str(AssetCondition(value).label).lower() if value in AssetCondition.values else value


TIMELINE_FIELDS = [
    f.attname
    for f in Asset._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at"}
]


def asset_timeline(asset: Asset) -> list[TimelineEntry]:
    """The asset's simple-history records, newest first, each as readable sentences: who moved
    it from where to where and why, condition changes, other edited fields."""
    records = list(asset.history.select_related("history_user").order_by("history_date"))
    site_ids = {r.site_id for r in records if r.site_id}
    sites = Site.objects.in_bulk(site_ids)
    entries: list[TimelineEntry] = []
    previous = None
    for record in records:
        who = str(record.history_user) if record.history_user else _("The system")
        lines: list[str] = []
        if previous is None:
            where = (
                _site_label(record.site_id, sites)
                if record.site_id
                else _status_label(record.status).lower()
            )
            lines.append(
                _("%(who)s added it (%(condition)s, %(where)s)")
                % {"who": who, "condition": _condition_label(record.condition), "where": where}
            )
        else:
            # Compared by hand: diff_against skips non-editable fields (status, site).
            changed = [
                name for name in TIMELINE_FIELDS if getattr(record, name) != getattr(previous, name)
            ]
            if "site_id" in changed or "status" in changed:
                lines.append(_movement_sentence(who, previous, record, sites))
            if "condition" in changed:
                condition = {
                    "who": who,
                    "old": _condition_label(previous.condition),
                    "new": _condition_label(record.condition),
                }
                moved = "site_id" in changed or "status" in changed
                lines.append(
                    (_("condition %(old)s → %(new)s") % condition)
                    if moved
                    else (_("%(who)s changed the condition: %(old)s → %(new)s") % condition)
                )
            others = [
                str(field.verbose_name)
                for field in Asset._meta.concrete_fields
                if field.attname in changed and field.name not in {"site", "status", "condition"}
            ]
            if others:
                lines.append(
                    _("%(who)s edited %(fields)s") % {"who": who, "fields": ", ".join(others)}
                )
        if lines:
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    user=who,
                    lines=lines,
                    reason=record.history_change_reason or "",
                )
            )
        previous = record
    entries.reverse()
    return entries


def _movement_sentence(who: str, old, new, sites: dict) -> str:
    if old.site_id:
        src = _site_label(old.site_id, sites)
    elif old.status == AssetStatus.IN_STOCK:
        src = _("stock")
    else:
        src = _status_label(old.status).lower()
    if new.status == AssetStatus.DEPLOYED:
        dst = _site_label(new.site_id, sites)
    elif new.status == AssetStatus.IN_REPAIR:
        dst = _("repair") + (f" ({_site_label(new.site_id, sites)})" if new.site_id else "")
    elif new.status == AssetStatus.RETIRED:
        return _("%(who)s retired it (was at %(src)s)") % {"who": who, "src": src}
    else:
        dst = _("stock")
    return _("%(who)s moved it from %(src)s to %(dst)s") % {"who": who, "src": src, "dst": dst}


def parts_for_repairs(user: User) -> QuerySet[Asset]:
    """The equipment a technician may put in or take out during a repair: what the user may
    see and is not retired (in stock, or at the user's sites), by type and serial."""
    return (
        assets_visible_to(user)
        .exclude(status=AssetStatus.RETIRED)
        .order_by("asset_type__name", "serial_number", "pk")
    )
