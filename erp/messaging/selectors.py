"""Reads of the SMS app, scoped to what the asking user may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from erp.accounts.models import User
from erp.core.scoping import restrict
from erp.sales.models import Sale

from .models import Campaign, Message, Template


def sales_for_receipt() -> QuerySet[Sale]:
    """Sales with what their receipt SMS is written from (client, voucher, package, site,
    seller) in one query: the sale event's receipt and the field app's both read them so."""
    return Sale.objects.select_related("client", "voucher", "package", "site", "seller")


def messages_visible_to(user: User) -> QuerySet[Message]:
    """An agent: messages to the agent's own clients or queued by the agent; site-scoped
    staff: those of their sites' clients (and their own); the rest: all (``Message.row_scope``)."""
    return restrict(
        Message.objects.select_related("gateway", "template", "campaign", "client"), user
    )


def templates_visible_to(user: User) -> QuerySet[Template]:
    return Template.objects.all() if user.is_authenticated else Template.objects.none()


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("template", "created_by")
    if not user.is_authenticated:
        return campaigns.none()
    return campaigns


def delivery_rates(messages: QuerySet[Message], by: str) -> list[dict]:
    """Per ``by`` (gateway__name, campaign__name): messages, delivered, failed, rate in %."""
    rows = (
        messages.order_by()
        .exclude(**{f"{by}__isnull": True})
        .values(by)
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(state="delivered")),
            failed=Count("id", filter=Q(state__in=["failed", "expired"])),
        )
        .order_by(by)
    )
    return [
        {
            "name": r[by],
            "total": r["total"],
            "delivered": r["delivered"],
            "failed": r["failed"],
            "rate": round(100 * r["delivered"] / r["total"], 1) if r["total"] else None,
        }
        for r in rows
    ]


def receipt_source(sale_id: Any) -> str:
    """The ``source`` of a sale's receipt SMS: unique, so a sale has one receipt at a time."""
    return f"sale:{sale_id}"


def sale_receipts(sale_ids: Iterable[Any]) -> dict[str, Message]:
    """The receipt SMS of these sales by the sale's id (as text), whoever queued it (the
    office's resend of a failed receipt too), found through the unique index on source."""
    sources = {receipt_source(pk): str(pk) for pk in sale_ids}
    messages = (
        Message.objects.exclude(source="")  # the unique index on source is a partial one
        .filter(source__in=list(sources))
        .only("id", "source", "phone", "state", "sent_at")
    )
    return {sources[m.source]: m for m in messages}
