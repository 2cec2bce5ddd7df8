"""Telling users something: an in-app notification, and optionally the same by e-mail.

Public signatures (stable; any app may call them):

- ``notify(*, users, text, url="", email_subject="", email_body="") -> list[Notification]`` —
  one unread notification per user, in that user's language (a text may be a callable,
  ``lambda: _("…") % {...}``, called once per user with their language active); with
  ``email_subject``, also an e-mail to each user who has an address (one message each, so
  addresses are not disclosed to one another), its subject headed by the organisation and its
  body signed with the product's and the organisation's names (erp.core.branding).
- ``escalate_to(*, users, text, url="")`` — an escalation: notified now, e-mailed after the
  commit (a mail failure is logged, never raised).
- ``mark_read(*, user, notification=None) -> int`` — one notification, or all of the user's.
- ``set_channels(*, user, by_email, by_sms, by_push)``, ``subscribe_push(...)`` — how a user
  is told besides in the app (delivered by erp.notifications.delivery after the commit).
- ``hand_over(*, users, text, url="", actor=None)`` — work now waits for these users (the
  actor who handed it over is not told); ``holders_of(perm, exclude=())`` — who may take work
  waiting for a permission; ``unless_nobody_else(users)`` — of those, the Super Admins only
  when nobody else can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core import branding, events
from erp.core.languages import in_language_of
from erp.core.services import validated_save

from .events import NOTIFICATION_CREATED
from .models import Channels, Notification, PushSubscription

# A text for people: written already, or a callable that writes it in the active language.
Text = str | Callable[[], str]


def _written(text: Text) -> str:
    return str(text()) if callable(text) else str(text)


def _write_for(
    users: list[User], text: Text, email_subject: Text = "", email_body: Text = ""
) -> dict[Any, tuple[str, str, str]]:
    """Each user's notification text, e-mail subject and body, written in their language."""
    written = {}
    for user in users:
        with in_language_of(user):
            said = _written(text)
            subject = branding.email_subject(_written(email_subject)) if email_subject else ""
            written[user.pk] = (said, subject, branding.email_body(_written(email_body) or said))
    return written


def _record(
    users: list[User], written: dict[Any, tuple[str, str, str]], url: str, *, emailed: bool
) -> list[Notification]:
    """The in-app notifications, and their other channels announced for after the commit."""
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [
                Notification(user=user, text=written[user.pk][0][:500], url=url[:500])
                for user in users
            ]
        )
        _announce_channels(created, emailed=emailed)
    return created


def _emails(users: list[User], written: dict[Any, tuple[str, str, str]]) -> list[EmailMessage]:
    """One message per user with an address (addresses are not disclosed to one another)."""
    return [
        EmailMessage(
            subject=written[user.pk][1],
            body=written[user.pk][2],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        for user in users
        if user.email
    ]


def notify(
    *,
    users: Iterable[User],
    text: Text,
    url: str = "",
    email_subject: Text = "",
    email_body: Text = "",
) -> list[Notification]:
    users = list(users)
    written = _write_for(users, text, email_subject, email_body)
    created = _record(users, written, url, emailed=bool(email_subject))
    if email_subject:
        messages = _emails(users, written)
        if messages:
            with get_connection() as connection:
                connection.send_messages(messages)
    return created


def _announce_channels(created: list[Notification], *, emailed: bool) -> None:
    """Each notification whose user chose another channel (e-mail, SMS, push) is delivered
    there after the commit (erp.notifications.delivery), durably."""
    wanting = set(
        Channels.objects.filter(user_id__in={n.user_id for n in created})
        .filter(Q(by_email=True) | Q(by_sms=True) | Q(by_push=True))
        .values_list("user_id", flat=True)
    )
    for notification in created:
        if notification.user_id in wanting:
            events.announce(
                NOTIFICATION_CREATED,
                key=str(notification.pk),
                notification=str(notification.pk),
                emailed=emailed,
            )


def escalate_to(*, users: Iterable[User], text: Text, url: str = "") -> None:
    """An escalation (an SLA missed): an in-app notification now, and one e-mail per address
    after the commit that never fails the caller (a mail server down must not lose the flag).
    Used by the fault and the support processes."""
    users = list(users)
    written = _write_for(users, text, text, lambda: f"{_written(text)}\n{url}")
    _record(users, written, url, emailed=True)
    messages = _emails(users, written)

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


def unless_nobody_else(users: list[User]) -> list[User]:
    """Super Admins hold every permission, so they are among the holders of any work; they are
    told only when nobody else can act on it (otherwise they would hear of every expense,
    batch and fault)."""
    others = [u for u in users if not (u.is_superuser or u.has_role(Role.SUPER_ADMIN))]
    return others or users


def hand_over(
    *, users: Iterable[User | None], text: Text, url: str = "", actor: User | None = None
) -> list[Notification]:
    """Work now waits for ``users``: tell each of them in the app, except the person who handed
    it over (they know). Called inside the transaction that records the hand-over, so a
    hand-over that rolls back tells nobody."""
    skip = getattr(actor, "pk", None)
    targets = {u.pk: u for u in users if u is not None and u.pk != skip}
    if not targets:
        return []
    return notify(users=list(targets.values()), text=text, url=url)


def channels_of(user: User) -> Channels:
    """The user's channels (unsaved defaults when they never chose)."""
    return Channels.objects.filter(user=user).first() or Channels(user=user, by_push=True)


@transaction.atomic
def set_channels(*, user: User, by_email: bool, by_sms: bool, by_push: bool) -> Channels:
    """A user chooses how they are told besides in the app. E-mail needs an address and SMS a
    phone number on their profile."""
    errors = {}
    if by_email and not user.email:
        errors["by_email"] = _("Add your e-mail address to your details first.")
    if by_sms and not str(user.phone or ""):
        errors["by_sms"] = _("Add your phone number to your details first.")
    if errors:
        raise ValidationError(errors)
    channels = channels_of(user)
    channels.by_email, channels.by_sms, channels.by_push = by_email, by_sms, by_push
    return validated_save(channels, actor=user)


@transaction.atomic
def subscribe_push(
    *, user: User, endpoint: str, p256dh: str, auth: str, device: str = ""
) -> PushSubscription:
    """This device receives the user's notifications by Web Push (the field app subscribed it
    with the server's VAPID key). The same endpoint subscribed again (or by another user after
    a sign-in on a shared phone) is updated, not duplicated."""
    if not endpoint.startswith(("https://", "http://")) or not p256dh or not auth:
        raise ValidationError(_("This is not a push subscription."))
    sub = PushSubscription.objects.filter(endpoint=endpoint).first() or PushSubscription(
        endpoint=endpoint
    )
    sub.user, sub.p256dh, sub.auth, sub.device = user, p256dh, auth, device[:300]
    sub.last_error = ""
    sub = validated_save(sub, actor=user)
    channels = channels_of(user)
    if channels._state.adding:  # the first device: push on (the user's choice stands after)
        validated_save(channels, actor=user)
    return sub


def unsubscribe_push(*, user: User, endpoint: str) -> int:
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]
