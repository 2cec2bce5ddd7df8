"""Telling users something: an in-app notification, and optionally the same by e-mail.

Public signatures (stable; any app may call them):

- ``notify(*, users, text, url="", email_subject="", email_body="") -> list[Notification]`` —
  one unread notification per user; with ``email_subject``, also an e-mail to each user who
  has an address (one message each, so addresses are not disclosed to one another), its
  subject headed by the organisation and its body signed with the product's and the
  organisation's names (erp.core.branding).
- ``mark_read(*, user, notification=None) -> int`` — one notification, or all of the user's.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from erp.accounts.models import User
from erp.core import branding

from .models import Notification


def notify(
    *,
    users: Iterable[User],
    text: str,
    url: str = "",
    email_subject: str = "",
    email_body: str = "",
) -> list[Notification]:
    users = list(users)
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [Notification(user=user, text=text[:500], url=url[:500]) for user in users]
        )
    if email_subject:
        messages = [
            EmailMessage(
                subject=branding.email_subject(email_subject),
                body=branding.email_body(email_body or text),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
            for user in users
            if user.email
        ]
        if messages:
            with get_connection() as connection:
                connection.send_messages(messages)
    return created


def mark_read(*, user: User, notification: Notification | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())
