"""Pages tell the time of the sites their reader works on (selectors.time_zone_of_user)."""

from __future__ import annotations

from erp.core.formats import in_time_zone_of

from .selectors import time_zone_of_user


class SiteTimeZoneMiddleware:
    """An agent in Dakar reads Dakar's hours on every page; head office keeps TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with in_time_zone_of(time_zone_of_user(user)):
            return self.get_response(request)
