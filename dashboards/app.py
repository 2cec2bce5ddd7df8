"""The Dash app: one layout with a menu of the pages the user may open, a router callback,
and the pages' callbacks. Built once per process, on first use (see bridge)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import json_script
from django.utils.translation import gettext as _

from erp.core.formats import calendar_names
from erp.core.languages import active_language
from erp.notifications.selectors import unread_count

from . import access, components
from .pages import agents, finance, maintenance, network, overview, sites, support

LAYOUTS = {
    "overview": overview.layout,
    "sites": sites.layout,
    "agents": agents.layout,
    "finance": finance.layout,
    "network": network.layout,
    "maintenance": maintenance.layout,
    "support": support.layout,
}


def _shell():
    """The page frame, for the user of the request: a menu of the pages they may open."""
    user = access.current_user.get(None)
    pages = access.allowed_pages(user) if user is not None else []
    links = [
        dcc.Link(_(access.PAGES[p][1]), href=f"/analytics/{access.PAGES[p][0]}", className="vn-nav")
        for p in pages
    ]
    return html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [
                    html.A(settings.ERP_SITE_TITLE, href="/", className="vn-brand"),
                    html.Span(_("Analytics"), className="vn-title"),
                    html.Nav(links, className="vn-navs"),
                    _bell(user),
                ],
                className="vn-header",
            ),
            html.Main(id="page", className="vn-main"),
        ]
    )


def _bell(user):
    """The unread notifications count, as in the top bar of the Django pages (read with the
    layout, so on every load of the page)."""
    unread = unread_count(user) if user is not None else 0
    badge = [html.Span("99+" if unread > 99 else str(unread), className="erp-bell__count")]
    return html.A(
        [_("Notifications"), *(badge if unread else [])],
        href="/notifications/",
        className="vn-nav vn-bell erp-bell",
        title=_("Notifications"),
    )


def _route(pathname: str | None):
    user = access.current_user.get()
    page = access.page_of_path((pathname or "").removeprefix("/analytics/"))
    if page is None:
        allowed = access.allowed_pages(user)
        page = allowed[0] if allowed else None
    if page is None or not access.may_open(user, page):
        return html.Div(
            [html.H3("403"), html.P(_("Your role may not open this page."))], className="vn-card"
        )
    return LAYOUTS[page]()


_BUILDING = threading.Lock()
_APP: list[Dash] = []  # the process's one app, once built


def get_app() -> Dash:
    """The app, built on first use, once per process, under a lock. gunicorn's threads ask at
    once on a new worker's first page: Dash hands the callbacks registered with @callback to
    the first app that sets its server up, and marks it set up before it has copied them, so
    a second app built alongside, or a request racing the first, answered "callback function
    not found" (seen on `make run`: every chart of the page a 500)."""
    if not _APP:
        with _BUILDING:
            if not _APP:
                _APP.append(_build())
    return _APP[0]


class _Dash(Dash):
    """Dash with the browser tab's title worded per request, in the reader's language (the
    app is built once per process, before any request has a language)."""

    def interpolate_index(self, **kwargs):
        kwargs["title"] = _("%(product)s analytics") % {"product": settings.ERP_SITE_TITLE}
        kwargs["metas"] += _calendar_names()
        return super().interpolate_index(**kwargs)


def _calendar_names() -> str:
    """The reader's month and day names as data (not a script: the CSP runs only our files);
    assets/calendar-locale.js turns them into the date-fns locale Dash's date pickers look
    for. English is the pickers' own."""
    language = active_language()
    if language == "en":
        return ""
    return str(json_script({"code": language, **calendar_names(language)}, "vn-calendar-names"))


def _build() -> Dash:
    app = _Dash(
        __name__,
        url_base_pathname="/analytics/",
        serve_locally=True,
        assets_folder=str(Path(__file__).with_name("assets")),
        csrf_token_name=settings.CSRF_COOKIE_NAME,  # CsrfViewMiddleware checks the header
        csrf_header_name="X-CSRFToken",
        suppress_callback_exceptions=True,
        title=settings.ERP_SITE_TITLE,  # worded per request by _Dash.interpolate_index
        update_title=None,
        compress=False,
        use_async=False,  # callbacks run in the request thread: the ORM and the user with them
        # The Django pages navigate with Hotwire Turbo, which would swap this page in without
        # running its scripts in order (DashRenderer undefined): ask Turbo for a full load.
        meta_tags=[{"name": "turbo-visit-control", "content": "reload"}],
    )
    # The product's icons, as on the Django pages, instead of Dash's
    app.index_string = app.index_string.replace(
        "{%favicon%}", render_to_string("erp/includes/icons.html")
    )
    app.layout = _shell
    app.callback(Output("page", "children"), Input("url", "pathname"))(_route)
    # What the first request would do (copy the callbacks in, validate the layout), done here
    # under the lock so that no request sees it half done.
    app._setup_server()
    _freeze()
    return app


def _freeze() -> None:
    """Everything built by now (Django, this app and its pages, plotly's validators, built on
    the first figure) lives as long as the process. Freezing it takes it out of the garbage
    collector's generations: a full collection no longer walks those objects, which made the
    slowest callback of twenty two to three times its median (bench/README.md)."""
    components.style(go.Figure([go.Bar(), go.Scatter()]))
    gc.collect()
    gc.freeze()
