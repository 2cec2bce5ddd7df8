"""Reads of sales, scoped: an agent sees only the agent's own."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from erp.accounts.models import User
from erp.core.money import to_money
from erp.core.scoping import restrict
from erp.mikrotik.choices import SyncState
from erp.mikrotik.models import HotspotUser
from erp.sites.models import Site
from erp.vouchers.models import Voucher
from erp.vouchers.selectors import vouchers_visible_to

from .choices import PaymentMethod
from .models import Refund, Remittance, Sale


def sales_visible_to(user: User) -> QuerySet[Sale]:
    return restrict(Sale.objects.select_related("voucher", "package"), user)


def remittances_visible_to(user: User) -> QuerySet[Remittance]:
    """Remittances: an agent's own; everyone's for those who may view remittances."""
    return restrict(Remittance.objects.select_related("agent", "received_by"), user)


def _unused_stock(user: User):
    stock = vouchers_visible_to(user).select_related(None).filter(status="unused")
    if user.is_agent:
        return stock.filter(agent=user)
    if not user.is_authenticated:
        return Voucher.objects.none()
    return stock.filter(agent__isnull=True)


def on_router():
    """Whether a voucher's hotspot user is on its router (pushed and acknowledged): an EXISTS
    on the (router, name) unique index of hotspot users, one probe per voucher."""
    return Exists(
        HotspotUser.objects.filter(
            router_id=OuterRef("router_id"),
            name=OuterRef("code"),
            sync_state=SyncState.SYNCED,
            removed=False,
        )
    )


def unused_stock(user: User, site_id=None):
    """Every unused voucher the user holds (on the router or not yet), at one site or all."""
    return _at(_unused_stock(user), site_id)


def _at(stock, site_id):
    return stock if site_id is None else stock.filter(site_id=site_id)


def seller_stock(user: User, site_id=None):
    """The vouchers a user may sell: an agent, the agent's own; office staff, the office stock
    (unassigned) of their sites. Nobody sells what another agent holds, and nobody sells a
    voucher before its user is on its router (it could not log in). With ``site_id``, only
    that site's: a voucher works only on its own site's router."""
    return _at(_unused_stock(user), site_id).filter(on_router())


def waiting_for_router(user: User, site_id=None):
    """The user's unused vouchers whose hotspot user is not on the router yet."""
    return _at(_unused_stock(user), site_id).exclude(on_router())


def selling_sites(user: User) -> list:
    """The sites the user holds unused stock at, by name: where the user may sell. More than
    one, and the POS asks which site the seller is at."""
    return list(Site.objects.filter(pk__in=_unused_stock(user).values("site_id")).order_by("name"))


def sellable_stock(user: User, site_id=None) -> list[dict]:
    """Packages the user can sell now, with how many vouchers each has on the router
    (``count``) and how many are still waiting for the router (``waiting``); at one site
    when ``site_id`` is given."""
    # One probe of the router's users per voucher: waiting is the rest of the unused stock.
    stock = _at(_unused_stock(user), site_id).filter(package__is_active=True)
    stock = stock.alias(ready=on_router())
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


def site_last_bought_at(client) -> Site | None:
    """The site where ``client`` last bought access (None: never bought): with one client
    record per person across sites, the site the client was first registered at is history;
    the last purchase says where the person is a customer now. One query on the sale's
    client index (a client has few sales). Unscoped: the caller decides what to show."""
    site_id = (
        Sale.objects.filter(client=client)
        .order_by("-sold_at", "-pk")
        .values_list("site_id", flat=True)
        .first()
    )
    return Site.objects.filter(pk=site_id).first() if site_id else None


def sales_in_windows(user: User, windows: dict, *, site=None) -> dict[str, dict]:
    """Count and amount of the sales ``user`` may see in each named [start, end) window (at
    ``site`` when given), in one query: each window is an indexed range on sold_at, never a
    scan of the whole table."""
    if not windows:
        return {}
    ranges = {
        name: Q(sold_at__gte=start, sold_at__lt=end) for name, (start, end) in windows.items()
    }
    either = Q()
    for q in ranges.values():
        either |= q
    aggregates = {}
    for i, q in enumerate(ranges.values()):
        aggregates[f"count_{i}"] = Count("pk", filter=q)
        aggregates[f"amount_{i}"] = Sum("amount", filter=q)
    sales = sales_visible_to(user).select_related(None).filter(either)
    if site is not None:
        sales = sales.filter(site=site)
    row = sales.aggregate(**aggregates)
    return {
        name: {"count": row[f"count_{i}"], "amount": to_money(row[f"amount_{i}"] or 0)}
        for i, name in enumerate(ranges)
    }


def sales_by_seller(user: User, *, start, end, site=None) -> dict:
    """{seller id: {"count", "amount"}} of the sales ``user`` may see with start ≤ sold_at <
    end (at ``site`` when given): one grouped query on an indexed range."""
    sales = sales_visible_to(user).select_related(None).filter(sold_at__gte=start, sold_at__lt=end)
    if site is not None:
        sales = sales.filter(site=site)
    grouped = sales.values("seller").annotate(count=Count("pk"), amount=Sum("amount")).order_by()
    return {
        row["seller"]: {"count": row["count"], "amount": to_money(row["amount"] or 0)}
        for row in grouped
    }


def sales_by_payment_method(user: User, *, start, end) -> list[dict]:
    """The sales ``user`` may see with start ≤ sold_at < end, per payment method: method,
    label, count, amount (one grouped query on an indexed range)."""
    grouped = (
        sales_visible_to(user)
        .select_related(None)
        .filter(sold_at__gte=start, sold_at__lt=end)
        .values("payment_method")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("payment_method")
    )
    labels = dict(PaymentMethod.choices)
    return [
        {
            "method": row["payment_method"],
            "label": labels.get(row["payment_method"], row["payment_method"]),
            "count": row["count"],
            "amount": to_money(row["amount"] or 0),
        }
        for row in grouped
    ]


def stock_left(user: User) -> list[dict]:
    """Unused vouchers in the stock ``user`` sells from (an agent: the agent's own; office
    staff: the office stock of their sites), per package; an agent's per site and package.
    Rows: site (name, or None for office stock), package, price, count."""
    stock = seller_stock(user)
    keys = ["package__name", "package__price"]
    if user.is_agent:
        keys = ["site__name", *keys]
    rows = stock.values(*keys).annotate(count=Count("pk")).order_by(*keys)
    return [
        {
            "site": row.get("site__name"),
            "package": row["package__name"],
            "price": row["package__price"],
            "count": row["count"],
        }
        for row in rows
    ]
