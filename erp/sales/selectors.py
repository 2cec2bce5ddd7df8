"""Reads of sales, scoped: an agent sees only the agent's own."""

from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User
from erp.sites.selectors import sites_visible_to

from .models import Sale


def sales_visible_to(user: User) -> QuerySet[Sale]:
    sales = Sale.objects.select_related("voucher", "package")
    if not user.is_authenticated:
        return sales.none()
    if user.sees_all_sites:
        return sales
    if user.is_agent:
        return sales.filter(seller=user)
    return sales.filter(site__in=sites_visible_to(user).values("pk"))


def seller_stock(user: User):
    """The vouchers a user may sell: an agent, the agent's own; office staff, the office stock
    (unassigned) of their sites. Nobody sells what another agent holds."""
    from erp.vouchers.models import Voucher
    from erp.vouchers.selectors import vouchers_visible_to

    stock = vouchers_visible_to(user).select_related(None).filter(status="unused")
    if user.is_agent:
        return stock.filter(agent=user)
    if not user.is_authenticated:
        return Voucher.objects.none()
    return stock.filter(agent__isnull=True)


def sellable_stock(user: User) -> list[dict]:
    """Packages the user can sell now, with how many unused vouchers each has in stock."""
    from django.db.models import Count

    stock = seller_stock(user).filter(package__is_active=True)
    return list(
        stock.values("package", "package__name", "package__price")
        .annotate(count=Count("pk"))
        .order_by("package__price", "package__name")
    )
