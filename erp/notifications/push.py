"""Web Push (RFC 8030/8291/8292) to a user's devices: the installed field app subscribes with
the server's VAPID public key; a notification is encrypted (aes128gcm) for each of the user's
subscriptions and posted to its push service, signed with the VAPID private key.

Settings: ``WEBPUSH_VAPID_PUBLIC_KEY`` / ``WEBPUSH_VAPID_PRIVATE_KEY`` (base64url, from
``manage.py vapid_keys``) and ``WEBPUSH_VAPID_SUBJECT`` (a mailto: or https: contact). Without
keys nothing is pushed (the in-app notification stands).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pywebpush import WebPushException, webpush

from .models import Notification, PushSubscription

log = logging.getLogger(__name__)

# A push service keeps an undelivered message this long (seconds) while the phone is offline.
TTL = 24 * 3600
GONE = (404, 410)  # the subscription expired or was revoked: forget it


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_vapid_keys() -> tuple[str, str]:
    """A new P-256 key pair: (public key as the browser's applicationServerKey, private key),
    both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(public), b64url(private)


def configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)


def payload_of(notification: Notification) -> dict[str, Any]:
    """What the service worker shows: a title, the text and the link it opens."""
    return {
        "title": settings.ERP_SITE_TITLE,
        "body": notification.text,
        "url": notification.url or "/notifications/",
        "tag": str(notification.pk),
    }


def send(notification: Notification) -> int:
    """Push ``notification`` to each of its user's devices; returns how many accepted it. A
    subscription the push service says is gone is deleted; other failures are noted on it."""
    if not configured():
        return 0
    data = json.dumps(payload_of(notification))
    sent = 0
    for sub in PushSubscription.objects.filter(user_id=notification.user_id):
        try:
            webpush(
                subscription_info={
                    "endpoint": sub.endpoint,
                    "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
                },
                data=data,
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                content_encoding="aes128gcm",
                ttl=TTL,
                timeout=10,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                sub.delete()
                continue
            log.warning("push to %s failed: %s", sub.pk, exc.message)
            PushSubscription.objects.filter(pk=sub.pk).update(last_error=str(exc.message)[:500])
            continue
        except OSError as exc:  # the push service unreachable
            log.warning("push to %s failed: %s", sub.pk, exc)
            PushSubscription.objects.filter(pk=sub.pk).update(last_error=str(exc)[:500])
            continue
        sent += 1
        if sub.last_error:
            PushSubscription.objects.filter(pk=sub.pk).update(last_error="")
    return sent
