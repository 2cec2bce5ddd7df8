"""Cross-cutting request handling: correlation id, per-user language."""

from __future__ import annotations

import re
import uuid

from django.utils import translation

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
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
