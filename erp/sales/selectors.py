"""Reads of sales, scoped: an agent sees only the agent's own."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from erp.accounts.models import User
from erp.sites.selectors import sites_visible_to

from .models import Remittance, Sale


def sales_visible_to(user: User) -> QuerySet[Sale]:
    sales = Sale.objects.select_related("voucher", "package")
    if not user.is_authenticated:
        return sales.none()
    if user.sees_all_sites:
        return sales
    if user.is_agent:
        return sales.filter(seller=user)
    return sales.filter(site__in=sites_visible_to(user).values("pk"))


def remittances_visible_to(user: User) -> QuerySet[Remittance]:
    """Remittances: an agent's own; everyone's for those who may view remittances."""
    remittances = Remittance.objects.select_related("agent", "received_by")
    if not user.is_authenticated:
        return remittances.none()
    if user.is_agent:
        return remittances.filter(agent=user)
    if not user.has_perm("sales.view_remittance"):
        return remittances.none()
    return remittances


def _unused_stock(user: User):
    from erp.vouchers.models import Voucher
    from erp.vouchers.selectors import vouchers_visible_to

    stock = vouchers_visible_to(user).select_related(None).filter(status="unused")
    if user.is_agent:
        return stock.filter(agent=user)
    if not user.is_authenticated:
        return Voucher.objects.none()
    return stock.filter(agent__isnull=True)


def on_router():
    """Whether a voucher's hotspot user is on its router (pushed and acknowledged): an EXISTS
    on the (router, name) unique index of hotspot users, one probe per voucher."""
    from erp.mikrotik.choices import SyncState
    from erp.mikrotik.models import HotspotUser

    return Exists(
        HotspotUser.objects.filter(
            router_id=OuterRef("router_id"),
            name=OuterRef("code"),
            sync_state=SyncState.SYNCED,
            removed=False,
        )
    )


def seller_stock(user: User):
    """The vouchers a user may sell: an agent, the agent's own; office staff, the office stock
    (unassigned) of their sites. Nobody sells what another agent holds, and nobody sells a
    voucher before its user is on its router (it could not log in)."""
    return _unused_stock(user).filter(on_router())


def waiting_for_router(user: User):
    """The user's unused vouchers whose hotspot user is not on the router yet."""
    return _unused_stock(user).exclude(on_router())


def sellable_stock(user: User) -> list[dict]:
    """Packages the user can sell now, with how many vouchers each has on the router
    (``count``) and how many are still waiting for the router (``waiting``)."""
    # One probe of the router's users per voucher: waiting is the rest of the unused stock.
    stock = _unused_stock(user).filter(package__is_active=True).alias(ready=on_router())
    rows = list(
        stock.values("package", "package__name", "package__price")
        .annotate(count=Count("pk", filter=Q(ready=True)), unused=Count("pk"))
        .order_by("package__price", "package__name")
    )
    for row in rows:
        row["waiting"] = row.pop("unused") - row["count"]
    return rows


def daily_summary(user: User, *, day, site=None, seller=None) -> dict:
    """The Z report of a day: counts and amounts by package and by payment method, for a site
    or a seller (an agent: always the agent's own), plus refunds of that day."""
    from datetime import datetime, time, timedelta

    from django.db.models import Count, Sum
    from django.utils import timezone

    from .models import Refund

    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    sales = sales_visible_to(user).filter(sold_at__gte=start, sold_at__lt=end)
    refunds = Refund.objects.filter(
        refunded_at__gte=start, refunded_at__lt=end, sale__in=sales_visible_to(user).values("pk")
    )
    if site is not None:
        sales, refunds = sales.filter(site=site), refunds.filter(sale__site=site)
    if seller is not None:
        sales, refunds = sales.filter(seller=seller), refunds.filter(sale__seller=seller)

    def rows(field, label):
        return [
            {label: row[field], "count": row["count"], "amount": Decimal(row["amount"])}
            for row in sales.values(field)
            .annotate(count=Count("pk"), amount=Sum("amount"))
            .order_by(field)
        ]

    totals = sales.aggregate(count=Count("pk"), amount=Sum("amount"), commission=Sum("commission"))
    refunded = refunds.aggregate(count=Count("pk"), amount=Sum("amount"))
    return {
        "day": day,
        "by_package": rows("package__name", "package"),
        "by_payment_method": rows("payment_method", "payment_method"),
        "count": totals["count"],
        "amount": Decimal(totals["amount"] or 0),
        "commission": Decimal(totals["commission"] or 0),
        "refunds_count": refunded["count"],
        "refunds_amount": Decimal(refunded["amount"] or 0),
    }


def purchases_of(user: User, client) -> QuerySet[Sale]:
    """A client's purchases, newest first, as far as `user` may see sales (an agent: the
    agent's own), with refunds, for the client's page and API."""
    return (
        sales_visible_to(user)
        .filter(client=client)
        .select_related("site", "seller", "refund")
        .order_by("-sold_at")
    )
