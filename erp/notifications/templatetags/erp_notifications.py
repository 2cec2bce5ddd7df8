"""The unread count shown in the top bar of every page."""

from __future__ import annotations

from django import template
from django.conf import settings

from erp.notifications.forms import ChannelsForm
from erp.notifications.selectors import unread_count
from erp.notifications.services import channels_of

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)


@register.inclusion_tag("notifications/_channels_card.html", takes_context=True)
def notification_channels(context) -> dict:
    """My profile's card: the channels the user chose, and turning on push on this device."""
    request = context["request"]
    user = request.user
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "form": ChannelsForm(instance=channels_of(user)),
        "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "devices": user.push_subscriptions.count(),
    }
