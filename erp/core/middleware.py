"""Cross-cutting request handling: correlation id, per-user language."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .logging import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Take X-Request-ID from the proxy (if sane) or make one; echo it on the response."""

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset here: Django logs 4xx/5xx responses after the middleware chain returns.
        # The id is cleared on request_finished (see CoreConfig.ready).
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[self.header] = request_id
        return response


class UserLanguageMiddleware:
    """Activate the logged-in user's chosen language (Swahili, English or French).

    LocaleMiddleware has already picked one from the browser; a user's own choice wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_user_language(request, getattr(request, "user", None))
        return self.get_response(request)


def activate_user_language(request, user) -> None:
    """Activate ``user``'s chosen language for this request (the API's token authentication
    calls this too: erp.accounts.authentication); nothing chosen leaves LocaleMiddleware's."""
    language = getattr(user, "language", "") if user is not None else ""
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class RejectNulMiddleware:
    """A NUL byte in a query parameter or a submitted form field is a 400, said plainly.

    PostgreSQL text cannot hold NUL, so such a value reaching a query (a voucher lookup, a
    search, a filter, the POS form) would otherwise end as a 500. Forms and serializers refuse
    NUL in their own fields; this covers the parameters views read directly. Form bodies are
    checked outside the API only: DRF parses its own bodies and its fields refuse NUL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request.GET) or (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
            and self._has_nul(request.POST)
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)

    def _refuse(self, request):
        text = _("Remove the NUL character (\\x00) from the request: it cannot be stored.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text}, status=400)
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


def text_limit(field: str) -> int:
    """The most characters one submitted value of ``field`` may have (TEXT_FIELD_MAX_CHARS,
    or its own entry in LONG_TEXT_FIELDS, e.g. a card template's body)."""
    return settings.LONG_TEXT_FIELDS.get(field, settings.TEXT_FIELD_MAX_CHARS)


def too_long(field: str, value: object) -> bool:
    return isinstance(value, str) and len(value) > text_limit(field)


def too_long_message(field: str) -> str:
    return _("The field “%(field)s” is longer than %(n)d characters.") % {
        "field": field[:60],
        "n": text_limit(field),
    }


class TextLimitMiddleware:
    """A submitted form value over the size of any text we keep (a megabyte of "notes") is a
    400 that names the field, before a view or a database sees it. JSON bodies of the API are
    checked by its parser (erp.core.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            for field in request.POST:
                if any(too_long(field, v) for v in request.POST.getlist(field)):
                    return self._refuse(request, field)
        return self.get_response(request)

    def _refuse(self, request, field):
        text = too_long_message(field)
        if request.path.startswith("/api/"):
            return JsonResponse({field[:60]: [text]}, status=400)
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (settings.PERMISSIONS_POLICY): the browser features
    no page of ours uses are switched off for it and for anything it embeds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
