from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User

from .models import Notification


def notifications_of(user: User) -> QuerySet[Notification]:
    """A user sees only the user's own notifications."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the top bar's badge)."""
    return notifications_of(user).filter(read_at__isnull=True).count()
