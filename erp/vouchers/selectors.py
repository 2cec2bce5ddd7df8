"""Reads of packages, batches and vouchers, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet

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
