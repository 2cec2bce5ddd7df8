"""Reads of packages, batches and vouchers, scoped to the user."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from erp.accounts.models import User
from erp.sites.selectors import sites_visible_to

from .models import Package, Voucher, VoucherBatch


def packages_sold_at(site) -> QuerySet[Package]:
    return Package.objects.filter(is_active=True, sites=site)


def batches_visible_to(user: User) -> QuerySet[VoucherBatch]:
    batches = VoucherBatch.objects.select_related(
        "package", "router", "site", "agent", "requested_by"
    )
    if not user.is_authenticated:
        return batches.none()
    if user.sees_all_sites:
        return batches
    if user.is_agent:
        return batches.filter(agent=user)
    return batches.filter(site__in=sites_visible_to(user).values("pk"))


def batch_counts(user: User, statuses) -> dict[str, int]:
    """How many batches ``user`` may see are in each of ``statuses`` (0 for none): one grouped
    query on the (status, created_at) index; the statuses asked for are the open ones, never
    the ever-growing "in stock"."""
    counts = dict.fromkeys(statuses, 0)
    grouped = (
        batches_visible_to(user)
        .select_related(None)
        .filter(status__in=list(statuses))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(grouped))
    return counts


def vouchers_visible_to(user: User) -> QuerySet[Voucher]:
    """An agent sees only the vouchers the agent holds; others, those of their sites."""
    vouchers = Voucher.objects.select_related("package", "site", "agent")
    if not user.is_authenticated:
        return vouchers.none()
    if user.sees_all_sites:
        return vouchers
    if user.is_agent:
        return vouchers.filter(agent=user)
    return vouchers.filter(site__in=sites_visible_to(user).values("pk"))


def find_by_code(user: User, code: str) -> Voucher | None:
    """Support looks a customer's code up (case and spaces forgiven)."""
    cleaned = "".join(code.split()).upper()
    return vouchers_visible_to(user).filter(code=cleaned).first()


def stock_selection(
    user: User,
    *,
    batch: VoucherBatch | None = None,
    ids: list[int] | None = None,
    package: Package | None = None,
    site=None,
    count: int | None = None,
    from_code: str = "",
    to_code: str = "",
) -> QuerySet[Voucher]:
    """Unused vouchers the user may hand out, chosen one way: a batch (optionally a range of
    its codes, in code order), a list of ids, or the first ``count`` of a package in office
    stock at a site."""
    stock = vouchers_visible_to(user).filter(status="unused")
    if batch is not None:
        chosen = stock.filter(batch=batch)
        if from_code:
            chosen = chosen.filter(code__gte=from_code.strip().upper())
        if to_code:
            chosen = chosen.filter(code__lte=to_code.strip().upper())
        return chosen
    if ids:
        return stock.filter(pk__in=ids)
    first = (
        stock.filter(package=package, site=site, agent__isnull=True)
        .order_by("pk")
        .values("pk")[:count]
    )
    return stock.filter(pk__in=first)
