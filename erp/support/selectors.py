"""Reads of tickets, scoped to the asking user's sites (``restrict``)."""

from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User
from erp.core.scoping import restrict

from .choices import OPEN_STATUSES
from .models import Category, Incident, Ticket, TicketAttachment, TicketMessage


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return restrict(Ticket.objects.select_related("category", "site", "client"), user)


def triage_queue(user: User) -> QuerySet[Ticket]:
    """Open tickets the classifier was unsure of, oldest first."""
    return (
        tickets_visible_to(user)
        .filter(needs_triage=True, status__in=OPEN_STATUSES)
        .order_by("created_at")
    )


def messages_visible_to(user: User) -> QuerySet[TicketMessage]:
    return restrict(TicketMessage.objects.select_related("author"), user)


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    return restrict(Incident.objects.select_related("site", "fault"), user)


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("name")


def attachments_visible_to(user: User) -> QuerySet[TicketAttachment]:
    return restrict(TicketAttachment.objects.all(), user)
