"""Reads of the SMS app, scoped to what the asking user may see."""

from __future__ import annotations

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


def sale_receipts_of(user: User, *, since, limit: int = 200) -> QuerySet[Message]:
    """The receipt SMS of the user's ``limit`` latest sales made since ``since``, newest
    first (the field app shows each sale's: queued, sent, failed), whoever queued it: the
    office's resend of a failed receipt is followed too. The sales are read first, so the
    messages are found through the unique index on their source, however many there are."""
    sales = Sale.objects.filter(seller=user, sold_at__gte=since).order_by("-sold_at")
    sources = [f"sale:{pk}" for pk in sales.values_list("pk", flat=True)[:limit]]
    return (
        Message.objects.exclude(source="")  # the unique index on source is a partial one
        .filter(source__in=sources)
        .order_by("-created_at")
        .only("id", "source", "phone", "state", "sent_at")
    )
