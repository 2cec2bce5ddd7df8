"""The captive portal's pages: what a customer sees in the captive browser of a cheap phone.

Plain HTML forms (the voucher path needs no JavaScript), no CDN, styles inline, small pages.
The hotspot's variables travel in hidden fields, never in cookies (captive mini-browsers may
drop them), and the language in a ``lang`` field. The forms carry no CSRF token: they act on
no account or session a forged post could abuse, and the attempt limits bound what a post
can try.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import uuid
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from erp.core.formats import in_time_zone_of
from erp.payments import services as payments
from erp.payments.choices import PaymentStatus
from erp.payments.models import Payment
from erp.payments.selectors import payment_by_reference
from erp.sites.models import Site
from erp.support import services as support
from erp.vouchers.models import Package

from . import opennds as nds
from . import selectors, services
from .models import PortalSession, PortalSettings

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _site(site_code: str) -> Site:
    """The site and its portal settings (read once per request, kept on the site)."""
    site = get_object_or_404(Site.objects.select_related("portal"), code=site_code.upper())
    try:
        site.portal_settings = site.portal
    except PortalSettings.DoesNotExist:
        site.portal_settings = PortalSettings(site=site)
    if not site.portal_settings.is_enabled:
        raise Http404
    return site


def _language(request: HttpRequest) -> str:
    chosen = (request.POST.get("lang") or request.GET.get("lang") or "").lower()
    return chosen if chosen in LANGUAGE_CODES else translation.get_language() or "en"


# The one inline script (online.html): it submits the hotspot login form at once; without it
# (or without JavaScript) the customer taps the button. Allowed by its hash, nothing else.
AUTO_SUBMIT = 'document.getElementById("hotspot-login").submit()'
AUTO_SUBMIT_HASH = (
    f"'sha256-{base64.b64encode(hashlib.sha256(AUTO_SUBMIT.encode()).digest()).decode()}'"
)


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _form_targets(context: dict) -> list[str]:
    """Where the page's forms may go besides this site (CSP form-action, which also covers the
    redirect after a post): the hotspot's login URL, and the payment provider's pages."""
    targets = {_origin(context.get("hotspot", {}).get("link-login-only", ""))}
    login = context.get("login")
    if login is not None:
        targets.add(_origin(login.action))
    if context.get("packages"):
        account = payments.active_account()
        if account is not None:
            targets.add(_origin(account.api_base_url))
            if account.provider == "wave":
                targets.add("https://pay.wave.com")
    return sorted(t for t in targets if t)


def _render(request, template, context, *, status=200) -> HttpResponse:
    with in_time_zone_of(context.get("site")):  # the buyer reads the time where they stand
        response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    update = {"script-src": [AUTO_SUBMIT_HASH]}
    targets = _form_targets(context)
    if targets:
        update["form-action"] = targets
    response._csp_update = update
    return response


def _context(request, site: Site, hotspot: services.Hotspot, lang: str, **extra) -> dict:
    query = {k: v for k, v in hotspot.as_fields().items() if v}

    return {
        "site": site,
        "portal": site.portal_settings,
        "hotspot": hotspot.as_fields(),
        "lang": lang,
        "languages": [
            (code, name, "?" + urlencode({**query, "lang": code}))
            for code, name in settings.LANGUAGES
        ],
        "needs_phone": bool(extra.get("packages")) and selectors.needs_phone(),
        "page_href": reverse("portal:page", args=[site.code])
        + "?"
        + urlencode({**query, "lang": lang}),
        **extra,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def portal_page(request: HttpRequest, site_code: str) -> HttpResponse:
    """The login page: a voucher code box, and the packages for sale online."""
    site = _site(site_code)
    lang = _language(request)
    with translation.override(lang):
        data = request.POST if request.method == "POST" else request.GET
        hotspot = services.Hotspot.from_data(data)
        error, status = "", 200
        if request.method == "POST":
            try:
                voucher = services.redeem_voucher(
                    site=site, code=request.POST.get("code", ""), hotspot=hotspot
                )
            except services.TooManyAttempts as exc:
                error, status = str(exc), 429
            except services.VoucherRefused as exc:
                error, status = str(exc), 400
            else:
                login = services.login_device(site=site, voucher=voucher, hotspot=hotspot)
                return _render(
                    request,
                    "portal/online.html",
                    _context(request, site, hotspot, lang, login=login, voucher=voucher),
                    status=200 if not login.error else 503,
                )
        packages = selectors.offered_packages(site)
        response = _render(
            request,
            "portal/page.html",
            _context(request, site, hotspot, lang, error=error, packages=packages),
            status=status,
        )
        if status == 429:
            response["Retry-After"] = str(settings.PORTAL_ATTEMPT_WINDOW)
        return response


@csrf_exempt
@require_POST
def buy(request: HttpRequest, site_code: str) -> HttpResponse:
    """A package chosen: open the provider's checkout and send the customer there."""
    site = _site(site_code)
    lang = _language(request)
    with translation.override(lang):
        hotspot = services.Hotspot.from_data(request.POST)
        device = hotspot.as_fields()
        if request.POST.get("fas"):
            # an openNDS client: its fas string, checked now, authorises it once paid

            try:
                client = services.fas_client(
                    site=site, fas=request.POST["fas"], iv=request.POST.get("iv", "")
                )
            except nds.FasError:
                return _page_error(request, site, hotspot, lang, _bad_link(), 400)
            hotspot = client.hotspot
            device = {**hotspot.as_fields(), "fas": client.fas, "iv": client.iv}
        try:
            package = Package.objects.get(pk=uuid.UUID(request.POST.get("package", "")))
        except (ValueError, Package.DoesNotExist):
            package = None
        payment_id = uuid.uuid4()
        status_url = (
            request.build_absolute_uri(reverse("portal:paid", args=[site.code, payment_id]))
            + f"?lang={lang}"
        )
        try:
            if package is None:
                raise payments.PaymentRefused(_no_package())
            payment = payments.start_payment(
                site=site,
                package=package,
                hotspot=device,
                success_url=status_url,
                error_url=status_url,
                payment_id=payment_id,
                phone=request.POST.get("phone", ""),
                webhook_base=settings.PUBLIC_BASE_URL or request.build_absolute_uri("/"),
            )
        except payments.PaymentRefused as exc:
            return _page_error(request, site, hotspot, lang, str(exc), 400)
        except payments.ProviderError:
            return _page_error(request, site, hotspot, lang, _provider_down(), 503)
        # a USSD push has no payment page: the customer waits for the PIN prompt with us
        return HttpResponseRedirect(payment.launch_url or status_url, status=303)


def _bad_link() -> str:
    return gettext("This login link is not valid. Reconnect to the WiFi.")


def _no_package() -> str:
    return gettext("Choose a package.")


def _provider_down() -> str:
    return gettext(
        "The payment service is not answering. Nothing was charged; try again in a minute."
    )


def _page_error(request, site, hotspot, lang, message, status) -> HttpResponse:
    packages = selectors.offered_packages(site)
    return _render(
        request,
        "portal/page.html",
        _context(request, site, hotspot, lang, error=message, packages=packages),
        status=status,
    )


def paid(request: HttpRequest, site_code: str, payment_id) -> HttpResponse:
    """Back from the provider: the payment's state (asked again of the provider while it is
    not settled), the device let on once the voucher is issued, or what we owe."""
    site = _site(site_code)
    payment = get_object_or_404(
        Payment.objects.select_related("sale__voucher__router", "package"),
        pk=payment_id,
        site=site,
    )
    lang = _language(request)
    with translation.override(lang):
        if payment.status not in {PaymentStatus.ISSUED, PaymentStatus.FAILED}:
            # Unanswered: shown as still waiting, and the page asks again.
            with contextlib.suppress(payments.ProviderError):
                payments.settle(payment.pk)
            payment = Payment.objects.select_related("sale__voucher__router", "package").get(
                pk=payment.pk
            )
        hotspot = services.Hotspot.from_data(payment.hotspot)
        login = None
        if payment.status == PaymentStatus.ISSUED:
            voucher = payment.sale.voucher
            done = PortalSession.objects.filter(payment_id=payment.pk, method="api").exists()
            if done:
                login = services.Login("api", online=True)
            elif payment.hotspot.get("fas"):
                login = services.login_paid_opennds(site=site, voucher=voucher, payment=payment)
            else:
                login = services.login_device(
                    site=site, voucher=voucher, hotspot=hotspot, payment_id=payment.pk
                )
            return _render(
                request,
                "portal/online.html",
                _context(
                    request, site, hotspot, lang, login=login, voucher=voucher, payment=payment
                ),
            )
        return _render(
            request,
            "portal/waiting.html",
            _context(request, site, hotspot, lang, payment=payment),
        )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def opennds(request: HttpRequest, site_code: str) -> HttpResponse:
    """The openNDS FAS URL (faspath): a client arriving (``fas`` + ``iv``) sees the voucher
    form and, once its code is good, is queued for the gateway; the gateway's authmon polls
    the same URL (``auth_get``) for the queue and reports ended sessions."""
    site = _site(site_code)
    if request.method == "POST" and "auth_get" in request.POST:
        try:
            answer = services.authmon(
                site=site,
                auth_get=request.POST.get("auth_get", ""),
                gatewayhash=request.POST.get("gatewayhash", ""),
                payload=request.POST.get("payload", ""),
            )
        except services.UnknownGateway:
            return HttpResponseNotFound("unknown gateway", content_type="text/plain")
        except nds.FasError as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain")
        return HttpResponse(answer, content_type="text/plain")
    lang = _language(request)
    data = request.POST if request.method == "POST" else request.GET
    with translation.override(lang):
        try:
            client = services.fas_client(site=site, fas=data.get("fas", ""), iv=data.get("iv", ""))
        except nds.FasError:
            return _render(
                request,
                "portal/page.html",
                _context(
                    request,
                    site,
                    services.Hotspot(),
                    lang,
                    error=gettext("This login link is not valid. Reconnect to the WiFi."),
                    packages=[],
                    nds=None,
                ),
                status=400,
            )
        hotspot = client.hotspot
        nds_fields = {"fas": client.fas, "iv": client.iv}
        error, status = "", 200
        if request.method == "POST":
            try:
                voucher = services.redeem_voucher(
                    site=site, code=request.POST.get("code", ""), hotspot=hotspot
                )
            except services.TooManyAttempts as exc:
                error, status = str(exc), 429
            except services.VoucherRefused as exc:
                error, status = str(exc), 400
            else:
                services.authorise_fas_client(client=client, voucher=voucher)
                return _render(
                    request,
                    "portal/online.html",
                    _context(
                        request,
                        site,
                        hotspot,
                        lang,
                        login=services.Login("api", online=True),
                        voucher=voucher,
                    ),
                )
        return _render(
            request,
            "portal/page.html",
            _context(
                request,
                site,
                services.Hotspot(),
                lang,
                error=error,
                packages=selectors.offered_packages(site),
                nds=nds_fields,
            ),
            status=status,
        )


@csrf_exempt
@require_POST
def claim(request: HttpRequest, site_code: str) -> HttpResponse:
    """ "I already paid": the payment reference (the provider's transaction id, or our
    8-character reference) finds the payment; once issued, this device is logged in with its
    voucher. Wrong references count against the same attempt limits as wrong codes."""
    site = _site(site_code)
    lang = _language(request)
    with translation.override(lang):
        hotspot = services.Hotspot.from_data(request.POST)
        try:
            services.check_attempts(site=site, hotspot=hotspot)
        except services.TooManyAttempts as exc:
            response = _page_error(request, site, hotspot, lang, str(exc), 429)
            response["Retry-After"] = str(settings.PORTAL_ATTEMPT_WINDOW)
            return response
        payment = payment_by_reference(site=site, reference=request.POST.get("reference", ""))
        if payment is None:
            services.record_attempt(site=site, hotspot=hotspot, ok=False)
            return _page_error(
                request,
                site,
                hotspot,
                lang,
                gettext("No payment with this reference here. Check it and try again."),
                400,
            )
        services.record_attempt(site=site, hotspot=hotspot, ok=True)
        if payment.status not in {PaymentStatus.ISSUED, PaymentStatus.FAILED}:
            with contextlib.suppress(payments.ProviderError):
                payment = payments.settle(payment.pk)
            payment = Payment.objects.select_related("sale__voucher__router", "package").get(
                pk=payment.pk
            )
        if payment.status != PaymentStatus.ISSUED:
            return _render(
                request,
                "portal/waiting.html",
                _context(request, site, hotspot, lang, payment=payment),
            )
        voucher = payment.sale.voucher
        try:
            voucher = services.redeem_voucher(site=site, code=voucher.code, hotspot=hotspot)
        except services.VoucherRefused as exc:
            return _page_error(request, site, hotspot, lang, str(exc), 400)
        except services.TooManyAttempts as exc:
            return _page_error(request, site, hotspot, lang, str(exc), 429)
        login = services.login_device(site=site, voucher=voucher, hotspot=hotspot)
        return _render(
            request,
            "portal/online.html",
            _context(request, site, hotspot, lang, login=login, voucher=voucher, payment=payment),
            status=200 if not login.error else 503,
        )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def get_help(request: HttpRequest, site_code: str) -> HttpResponse:
    """ "Get help": the customer's phone, a message and an optional photo or PDF open a support
    ticket on channel portal at this site (erp.support). A refused file or message is said on
    the form again, and nothing is stored."""
    site = _site(site_code)
    lang = _language(request)
    with translation.override(lang):
        data = request.POST if request.method == "POST" else request.GET
        hotspot = services.Hotspot.from_data(data)
        context = _context(request, site, hotspot, lang)
        if request.method == "GET":
            # from the customer's account page: the phone they signed in with
            return _render(
                request, "portal/help.html", {**context, "phone": data.get("phone", "")[:20]}
            )
        try:
            ticket = support.open_from_portal(
                site=site,
                phone=request.POST.get("phone", ""),
                text=request.POST.get("message", ""),
                attachment=request.FILES.get("attachment"),
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            return _render(
                request,
                "portal/help.html",
                {
                    **context,
                    "errors": {k: " ".join(v) for k, v in errors.items()},
                    "phone": request.POST.get("phone", "")[:20],
                    "message": request.POST.get("message", "")[:4000],
                },
                status=400,
            )
        return _render(request, "portal/help.html", {**context, "ticket": ticket})
