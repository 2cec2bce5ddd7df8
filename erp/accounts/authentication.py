"""API sign-in that speaks the user's language.

UserLanguageMiddleware (erp.core.middleware) activates a user's language for the browser
session, but an API call with a bearer token is authenticated by DRF inside the view, after
every middleware: this authentication activates the token user's ``User.language`` there, so
the API's error messages and choice labels are in the same language as the user's screens
(``Content-Language`` says which). No language chosen: the browser's (Accept-Language) stays.
"""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from erp.core.middleware import activate_user_language


class LanguageJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer token, then the user's language activated."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(request, result[0])
        return result


class LanguageJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema names it as simplejwt's ``jwtAuth`` scheme (it is the same token)."""

    target_class = LanguageJWTAuthentication
