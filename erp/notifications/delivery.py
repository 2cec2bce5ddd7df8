"""Delivering a notification on the channels its user chose (erp.notifications.models.Channels):
an e-mail, an SMS through erp.messaging's outbound queue (the SMS gateway), a Web Push to each
of their devices. Run after the commit by the ``notifications.created`` domain event (a failure
is retried by the events' beat sweep and never undoes the notification)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage

from erp.core import branding
from erp.messaging import services as messaging

from . import push
from .models import Channels, Notification

log = logging.getLogger(__name__)


def link(notification: Notification) -> str:
    """The notification's link for a message that leaves the app (absolute when the public
    address is set)."""
    url = notification.url or "/notifications/"
    return f"{settings.PUBLIC_BASE_URL}{url}" if url.startswith("/") else url


def on_notification_created(payload: dict[str, Any]) -> None:
    notification = (
        Notification.objects.select_related("user").filter(pk=payload["notification"]).first()
    )
    if notification is None:
        return
    channels = Channels.objects.filter(user_id=notification.user_id).first()
    if channels is None:
        return
    user = notification.user
    if channels.by_email and user.email and not payload.get("emailed"):
        EmailMessage(
            subject=branding.email_subject(notification.text[:120]),
            body=branding.email_body(f"{notification.text}\n{link(notification)}"),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        ).send()
    if channels.by_sms and str(user.phone or ""):
        try:
            messaging.queue_message(
                phone=str(user.phone),
                text=f"{notification.text} {link(notification)}",
                source=f"notification:{notification.pk}",
            )
        except ValidationError as exc:  # no gateway, a number the gateway refuses
            log.warning("notification %s: no SMS: %s", notification.pk, " ".join(exc.messages))
    if channels.by_push:
        push.send(notification)
