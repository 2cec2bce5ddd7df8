"""Rate limits shared by every worker: one counter per (scope, key) in the configured cache.

The counting is django-ratelimit's (fixed windows, an atomic ``incr`` in Redis), so with
``REDIS_URL`` set the limit holds across gunicorn workers, Celery and machines; without it the
local-memory cache counts per worker process. Rates are read from ``settings.RATE_LIMITS``
(``"20/min"``, ``"5/15m"``, ``"1000/hour"``), so an operator tunes them in the environment.

Three ways in, all answering 429 with ``Retry-After``:

- :func:`hit` from any code (the captive portal's views, a webhook): count one request and
  learn whether it is over the limit;
- :class:`ScopedThrottle` and its subclasses as DRF throttles (the whole API per user / per
  address, the token endpoints);
- :class:`ViewRulesThrottle` (a default DRF throttle) for API views named in
  ``settings.RATE_LIMITED_API`` (the field app's sync push and pull, per user);
- :class:`RateLimitMiddleware` for Django views named in ``settings.RATE_LIMITED_VIEWS``
  (the login and password-reset forms, which viewflow's auth viewset owns; the captive
  portal's pages; the payment providers' webhooks).

Both of the last two find a view's rules by its URL name, namespaced first (``portal:buy``)
then bare (``login``), so an app's views are limited from settings without touching the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

Key = str | Callable[[str, HttpRequest], str]


@dataclass(frozen=True)
class Verdict:
    limited: bool
    retry_after: int = 0  # seconds until the window ends (0 when not limited)


ALLOWED = Verdict(limited=False)


def rate_for(scope: str) -> str | None:
    """The configured rate of a scope; empty or missing means no limit."""
    return (getattr(settings, "RATE_LIMITS", {}) or {}).get(scope) or None


def client_ip(request: HttpRequest) -> str:
    """The address a limit by IP counts: ``RATE_LIMIT_IP_HEADER`` behind a trusted proxy
    (its first address), else the socket's peer."""
    header = getattr(settings, "RATE_LIMIT_IP_HEADER", "") or ""
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(request: HttpRequest, scope: str, key: Key = "ip", rate: str | None = None) -> Verdict:
    """Count one request of ``scope`` for ``key`` and say whether it is over the limit.

    ``key`` is ``"ip"``, ``"user"`` (the user's id, the address when anonymous), or a function
    ``(scope, request) -> str`` (a username, a phone number). When the cache cannot be reached
    the request is let through and a warning logged: an outage of Redis must not lock every
    user out of the ERP.
    """
    rate = rate or rate_for(scope)
    if not rate:
        return ALLOWED
    if key == "ip":
        key = _ip_key
    elif key == "user":
        key = _user_or_ip_key
    try:
        usage = get_usage(request, group=scope, key=key, rate=rate, increment=True)
    except Exception:  # noqa: BLE001 - any cache failure: fail open, loudly
        logger.warning("rate limit %s not checked: the cache is unreachable", scope, exc_info=True)
        return ALLOWED
    if usage is None or not usage["should_limit"]:
        return ALLOWED
    if usage["limit"] == 0 and usage["time_left"] < 0:  # the count could not be read
        logger.warning("rate limit %s not checked: the cache did not count", scope)
        return ALLOWED
    return Verdict(limited=True, retry_after=max(1, int(usage["time_left"])))


def _ip_key(scope: str, request: HttpRequest) -> str:
    return client_ip(request)


def _user_or_ip_key(scope: str, request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def too_many_message(retry_after: int) -> str:
    return _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": retry_after}


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 answer: JSON under /api/ and to a JSON request (a provider's webhook), the
    branded page elsewhere; ``Retry-After`` always."""
    message = too_many_message(retry_after)
    if request.path.startswith("/api/") or request.content_type == "application/json":
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        html = render_to_string(
            "429.html", {"message": message, "retry_after": retry_after}, request=request
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# --- DRF --------------------------------------------------------------------------------------


class ScopedThrottle(BaseThrottle):
    """A DRF throttle counting in the shared cache; ``scope`` names the rate in RATE_LIMITS.

    DRF answers a refusal with 429 and ``Retry-After`` from :meth:`wait`.
    """

    scope: str = ""
    key: str = "user"

    def key_for(self, request, view) -> Key | None:
        """The key to count, or None to skip this throttle for the request."""
        return self.key

    def allow_request(self, request, view) -> bool:
        key = self.key_for(request, view)
        if key is None:
            return True
        # The Django request carries the user DRF authenticated (the JWT one too).
        django_request = request._request
        django_request.user = request.user
        verdict = hit(django_request, self.scope, key)
        self._wait = verdict.retry_after
        return not verdict.limited

    def wait(self) -> float | None:
        return getattr(self, "_wait", None) or None


class ApiUserThrottle(ScopedThrottle):
    """Every API request of a signed-in user, per user (``RATE_LIMITS["api_user"]``)."""

    scope = "api_user"

    def key_for(self, request, view):
        return "user" if request.user and request.user.is_authenticated else None


class ApiAnonThrottle(ScopedThrottle):
    """Every API request without a user, per address (``RATE_LIMITS["api_anon"]``)."""

    scope = "api_anon"

    def key_for(self, request, view):
        return None if request.user and request.user.is_authenticated else "ip"


class LoginIpThrottle(ScopedThrottle):
    """Login attempts (token, refresh) per address: slows guessing across many usernames."""

    scope = "login"
    key = "ip"


class LoginUsernameThrottle(ScopedThrottle):
    """Login attempts per username from any address (axes locks after failures; this also
    bounds the rate of tries spread over many addresses)."""

    scope = "login_username"

    def key_for(self, request, view):
        username = ""
        try:
            username = str(request.data.get("username", ""))[:150].lower()
        except Exception:  # noqa: BLE001 - a body DRF cannot parse: the view says why
            return None
        return (lambda scope, req: f"username:{username}") if username else None


def rules_for(setting: str, request: HttpRequest) -> list[tuple]:
    """The rules a settings map (URL name → rules) gives the request's view: its namespaced
    name first (``portal:buy``), then its bare name (``login``)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return []
    table = getattr(settings, setting, {}) or {}
    return table.get(match.view_name) or table.get(match.url_name) or []


class ViewRulesThrottle(BaseThrottle):
    """The API views named in ``settings.RATE_LIMITED_API``: each of their ``(scope, key)``
    rules counts the request (key ``"user"`` or ``"ip"``); the longest wait answers."""

    def allow_request(self, request, view) -> bool:
        django_request = request._request
        rules = rules_for("RATE_LIMITED_API", django_request)
        if not rules:
            return True
        django_request.user = request.user
        self._wait = 0
        for scope, key in rules:
            verdict = hit(django_request, scope, key)
            if verdict.limited:
                self._wait = max(self._wait, verdict.retry_after)
        return not self._wait

    def wait(self) -> float | None:
        return getattr(self, "_wait", None) or None


# --- Django views ----------------------------------------------------------------------------


def _post_field(field: str) -> Callable[[str, HttpRequest], str]:
    def key(scope: str, request: HttpRequest) -> str:
        return f"{field}:{request.POST.get(field, '')[:254].strip().lower()}"

    return key


class RateLimitMiddleware:
    """Limit requests to the Django views named in ``settings.RATE_LIMITED_VIEWS``.

    That setting maps a URL name to ``(scope, key)`` or ``(scope, key, methods)`` rules; a key
    is ``"ip"``, ``"user"`` or ``"post:<field>"`` (a submitted field, e.g. the username or the
    e-mail of a reset); ``methods`` is a tuple of HTTP methods or ``"*"`` (default: POST only).
    Each rule that applies is counted; any over its limit answers 429 with the longest wait.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        rules = rules_for("RATE_LIMITED_VIEWS", request)
        if not rules:
            return None
        worst = ALLOWED
        for scope, key, *methods in rules:
            allowed_methods = methods[0] if methods else ("POST",)
            if allowed_methods != "*" and request.method not in allowed_methods:
                continue
            if key.startswith("post:"):
                if not request.POST.get(key[5:], ""):
                    continue
                key = _post_field(key[5:])
            verdict = hit(request, scope, key)
            if verdict.limited and verdict.retry_after > worst.retry_after:
                worst = verdict
        if worst.limited:
            return too_many_requests(request, worst.retry_after)
        return None
