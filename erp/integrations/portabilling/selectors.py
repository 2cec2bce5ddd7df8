"""Reads for the PortaBilling pages, scoped by erp.core.scoping like every selector."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from erp.core.scoping import restrict
from erp.sites.models import Site

from .choices import AccountState, CreditState
from .models import PortaAccount, PortaBillingSite, PortaCredit


def configs_visible_to(user: Any) -> QuerySet[PortaBillingSite]:
    return restrict(PortaBillingSite.objects.select_related("site"), user)


def sites_visible_to(user: Any) -> QuerySet[Site]:
    return restrict(Site.objects.order_by("name"), user)


def accounts_visible_to(user: Any) -> QuerySet[PortaAccount]:
    return restrict(PortaAccount.objects.select_related("voucher", "site"), user)


def credits_visible_to(user: Any) -> QuerySet[PortaCredit]:
    return restrict(PortaCredit.objects.select_related("account__voucher"), user)


_COUNTS = {
    "created": Count("pk", filter=Q(state=AccountState.CREATED)),
    "pending": Count("pk", filter=Q(state=AccountState.PENDING)),
    "failed": Count("pk", filter=Q(state=AccountState.FAILED)),
    "blocked": Count("pk", filter=Q(blocked=True)),
    "differing": Count("pk", filter=~Q(differences=[])),
}


def account_counts(site_id: Any) -> dict[str, int]:
    """Accounts per state, and how many differ from PortaBilling, for one site."""
    row = PortaAccount.objects.filter(site_id=site_id).aggregate(**_COUNTS)
    row["credits_pending"] = PortaCredit.objects.filter(
        account__site_id=site_id, state=CreditState.PENDING
    ).count()
    return row


def counts_by_site(site_ids: list[Any]) -> dict[Any, dict[str, int]]:
    """account_counts for many sites in one query (the index page)."""
    rows = (
        PortaAccount.objects.filter(site_id__in=site_ids)
        .values("site_id")
        .annotate(**_COUNTS)
        .order_by()
    )
    return {row.pop("site_id"): row for row in rows}


def differing(user: Any, site_id: Any, limit: int = 100) -> list[PortaAccount]:
    return list(
        accounts_visible_to(user)
        .filter(site_id=site_id)
        .exclude(differences=[])
        .order_by("pk")[:limit]
    )


def with_errors(user: Any, site_id: Any, limit: int = 50) -> list[PortaAccount]:
    return list(
        accounts_visible_to(user)
        .filter(site_id=site_id)
        .exclude(last_error="")
        .order_by("-updated_at")[:limit]
    )


def open_credits(user: Any, site_id: Any, limit: int = 50) -> list[PortaCredit]:
    return list(
        credits_visible_to(user)
        .filter(account__site_id=site_id)
        .exclude(state=CreditState.APPLIED)
        .order_by("-created_at")[:limit]
    )


def batch_progress(site_id: Any, limit: int = 10) -> list[dict[str, Any]]:
    """The site's latest batches with their accounts created / to create / refused."""
    rows = (
        PortaAccount.objects.filter(site_id=site_id)
        .values("batch_id", "batch__created_at", "batch__quantity", "batch__package__name")
        .annotate(**{k: _COUNTS[k] for k in ("created", "pending", "failed")})
        .order_by("-batch__created_at")[:limit]
    )
    return list(rows)
