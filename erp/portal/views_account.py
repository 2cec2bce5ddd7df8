"""The customer's account pages: phone → code by SMS → purchases, time and data left, buy
again. Plain forms, no JavaScript; the proof travels as a signed token in the links (``t``)."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from erp.core.ratelimit import hit

from . import account, selectors, services
from .views import _context, _language, _render, _site


def _limited(request, site) -> int:
    """Seconds to wait when asking for a code is over a limit (per phone, address, site)."""
    phone = request.POST.get("phone", "")
    with contextlib.suppress(account.AccountRefused):
        phone = account.normalise_phone(phone)
    for scope, key in (
        ("portal_code_ip", "ip"),
        ("portal_code_site", lambda _scope, _request: site.code),
        ("portal_code_phone", lambda _scope, _request: f"{site.code}:{phone}"),
    ):
        verdict = hit(request, scope, key)
        if verdict.limited:
            return verdict.retry_after
    return 0


@csrf_exempt
@require_http_methods(["GET", "POST"])
def account_page(request: HttpRequest, site_code: str) -> HttpResponse:
    site = _site(site_code)
    lang = _language(request)
    with translation.override(lang):
        data = request.POST if request.method == "POST" else request.GET
        hotspot = services.Hotspot.from_data(data)
        base = reverse("portal:account", args=[site.code])
        token = data.get("t", "")
        phone = account.phone_from_token(site, token) if token else None
        if phone is not None:
            return _render(
                request,
                "portal/account.html",
                _context(
                    request,
                    site,
                    hotspot,
                    lang,
                    phone=phone,
                    purchases=account.purchases(site=site, phone=phone),
                    packages=selectors.offered_packages(site),
                    buy_phone=phone,
                ),
            )
        step, error, status, sent_to = "phone", "", 200, ""
        if token:
            error, status = _("This link has expired. Sign in again."), 400
        if request.method == "POST" and request.POST.get("step") == "phone":
            wait = _limited(request, site)
            if wait:
                error, status = (
                    _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait},
                    429,
                )
            else:
                try:
                    row = account.send_code(
                        site=site, phone=request.POST.get("phone", ""), language=lang
                    )
                except account.AccountRefused as exc:
                    error, status = str(exc), 429 if isinstance(exc, account.AccountLocked) else 400
                else:
                    step, sent_to = "code", row.phone
        elif request.method == "POST" and request.POST.get("step") == "code":
            sent_to = request.POST.get("phone", "")
            step = "code"
            verdict = hit(request, "portal_code_check_ip", "ip")
            if verdict.limited:
                error, status = (
                    _("Too many requests. Try again in %(seconds)d seconds.")
                    % {"seconds": verdict.retry_after},
                    429,
                )
            else:
                try:
                    phone = account.check_code(
                        site=site, phone=sent_to, code=request.POST.get("code", "")
                    )
                except account.AccountLocked as exc:
                    error, status, step = str(exc), 429, "phone"
                except account.AccountRefused as exc:
                    error, status = str(exc), 400
                else:
                    query = {k: v for k, v in hotspot.as_fields().items() if v}
                    query.update(lang=lang, t=account.token_for(site, phone))
                    return HttpResponseRedirect(f"{base}?{urlencode(query)}", status=303)
        response = _render(
            request,
            "portal/account_login.html",
            _context(request, site, hotspot, lang, step=step, error=error, sent_to=sent_to),
            status=status,
        )
        if status == 429:
            response["Retry-After"] = "60"
        return response
