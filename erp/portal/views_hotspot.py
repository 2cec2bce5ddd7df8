"""The ``login.html`` to upload to a MikroTik hotspot (Files → hotspot/login.html): the
router serves it to every device it has not logged in, filling in its ``$(…)`` variables, and
the page hands the device over to this site's portal with the hotspot variables the portal
needs (``link-login-only``, ``link-orig``, ``mac``, ``ip``, ``chap-id``, ``chap-challenge``).

It holds no secret: anyone may download it (the site's portal must be on)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from .views import _site


def hotspot_login(request: HttpRequest, site_code: str) -> HttpResponse:
    site = _site(site_code)
    path = reverse("portal:page", args=[site.code])
    portal_url = (
        settings.PUBLIC_BASE_URL + path
        if settings.PUBLIC_BASE_URL
        else request.build_absolute_uri(path)
    )
    body = render_to_string("portal/mikrotik_login.html", {"site": site, "portal_url": portal_url})
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="login.html"'
    return response
