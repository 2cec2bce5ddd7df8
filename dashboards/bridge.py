"""Serving the Dash (Flask) app from a Django view, so that Django does the gatekeeping.

Why a view and not werkzeug's DispatcherMiddleware in wsgi.py: through a view every server
reaches the app the same way (runserver, gunicorn, Django's test client, the live test server),
and the whole Django middleware stack applies unchanged — the session and login (anonymous →
the login page with ?next=), Axes, the language, and CsrfViewMiddleware on every callback POST:
Dash 4's renderer sends the ``csrftoken`` cookie back in the X-CSRFToken header
(``csrf_token_name`` below), which is exactly what Django checks. Nothing to keep in sync with a
second session or CSRF implementation.

Per page: the page's GET, its layout and its callbacks (by component id prefix) answer 403 to a
role that may not open it.
"""

from __future__ import annotations

import io
import json

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import ensure_csrf_cookie

from . import access
from .app import get_app

PREFIX = "/analytics/"


def _callback_pages(body: bytes) -> set[str | None]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return {None}
    ids = [payload.get("output", "")]
    ids += [
        i.get("id", "")
        for i in payload.get("inputs", []) + payload.get("state", [])
        if isinstance(i, dict)
    ]
    pages = set()
    for component in ids:
        component = component if isinstance(component, str) else json.dumps(component)
        pages.add(access.page_of_component(component.lstrip(".")))
    return pages


def _check(request, path: str) -> None:
    user = request.user
    allowed = access.allowed_pages(user)
    if not allowed:
        raise PermissionDenied
    if request.method == "POST" and path.startswith("_dash-update-component"):
        for page in _callback_pages(request.body) - {None}:
            if page not in allowed:
                raise PermissionDenied
        return
    page = access.page_of_path(path)
    if page is not None and page not in allowed:
        raise PermissionDenied


@ensure_csrf_cookie
def dash_view(request, path: str = ""):
    """Every URL under /analytics/: the pages, Dash's assets and its callback endpoint."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if path == "":
        pages = access.allowed_pages(request.user)
        if not pages:
            raise PermissionDenied
        return HttpResponseRedirect(PREFIX + access.PAGES[pages[0]][0])
    _check(request, path)

    server = get_app().server
    environ = dict(request.environ)
    body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.file_wrapper", None)  # the server's wrapper belongs to its own response
    started: dict = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, headers

    token = access.current_user.set(request.user)
    try:
        chunks = server.wsgi_app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    finally:
        access.current_user.reset(token)
    response = HttpResponse(content, status=int(started["status"].split()[0]))
    for name, value in started["headers"]:
        if name.lower() not in ("content-length", "connection"):
            response[name] = value
    if response.get("Content-Type", "").startswith("text/html"):
        # The Content-Security-Policy's two exceptions for Dash pages (erp/settings.py).
        response._csp_update = {"script-src": ["'unsafe-eval'", *_dash_script_hashes()]}
    return response


_hashes: list[str] = []


def _dash_script_hashes() -> list[str]:
    """The sha256 of each inline script Dash writes into its page (its config and the
    renderer's start), computed once."""
    if not _hashes:
        _hashes.extend(get_app().csp_hashes())
    return _hashes
