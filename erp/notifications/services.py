"""Telling users something: an in-app notification, and optionally the same by e-mail.

Public signatures (stable; any app may call them):

- ``notify(*, users, text, url="", email_subject="", email_body="") -> list[Notification]`` —
  one unread notification per user; with ``email_subject``, also an e-mail to each user who
  has an address (one message each, so addresses are not disclosed to one another), its
  subject headed by the organisation and its body signed with the product's and the
  organisation's names (erp.core.branding).
- ``escalate_to(*, users, text, url="")`` — an escalation: notified now, e-mailed after the
  commit (a mail failure is logged, never raised).
- ``mark_read(*, user, notification=None) -> int`` — one notification, or all of the user's.
- ``hand_over(*, users, text, url="", actor=None)`` — work now waits for these users (the
  actor who handed it over is not told); ``holders_of(perm, exclude=())`` — who may take work
  waiting for a permission.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from erp.accounts.models import User
from erp.accounts.roles import Role
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


def escalate_to(*, users: Iterable[User], text: str, url: str = "") -> None:
    """An escalation (an SLA missed): an in-app notification now, and one e-mail per address
    after the commit that never fails the caller (a mail server down must not lose the flag).
    Used by the fault and the support processes."""
    users = list(users)
    notify(users=users, text=text, url=url)
    subject, body = branding.email_subject(text), branding.email_body(f"{text}\n{url}")
    messages = [
        EmailMessage(subject=subject, body=body, to=[user.email]) for user in users if user.email
    ]

    def send() -> None:
        try:
            with get_connection() as connection:
                connection.send_messages(messages)
        except OSError:
            logging.getLogger(__name__).exception("escalation e-mail not sent")

    if messages:
        transaction.on_commit(send)


def mark_read(*, user: User, notification: Notification | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


def holders_of(perm: str, *, exclude: Iterable[Any] = (), site: Any = None) -> list[User]:
    """Active users who hold ``perm`` ("app_label.codename") through their role or an
    individual grant: those who may pick up work waiting for that permission. With ``site``,
    only those whose scope includes it (a staff member narrowed to other sites cannot see the
    work, so is not told about it; erp.core.scoping)."""
    app_label, codename = perm.split(".", 1)
    by_group = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    by_grant = Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    skip = [getattr(u, "pk", u) for u in exclude if u is not None]
    users = get_user_model().objects.filter(is_active=True).filter(by_group | by_grant)
    if site is not None:
        scope = get_user_model().site_scope.through.objects.filter(user=OuterRef("pk"))
        users = users.filter(
            Q(is_superuser=True)
            | Q(groups__name=Role.SUPER_ADMIN)
            | ~Exists(scope)
            | Exists(scope.filter(site=getattr(site, "pk", site)))
        )
    return list(users.exclude(pk__in=skip).distinct().order_by("pk"))


def hand_over(
    *, users: Iterable[User | None], text: str, url: str = "", actor: User | None = None
) -> list[Notification]:
    """Work now waits for ``users``: tell each of them in the app, except the person who handed
    it over (they know). Called inside the transaction that records the hand-over, so a
    hand-over that rolls back tells nobody."""
    skip = getattr(actor, "pk", None)
    targets = {u.pk: u for u in users if u is not None and u.pk != skip}
    if not targets:
        return []
    return notify(users=list(targets.values()), text=text, url=url)
