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
