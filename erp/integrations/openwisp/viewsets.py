"""The OpenWISP page in the back office's menu (viewflow Application)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .views import DecideConflictView, DiscoverNowView, OpenWispPageView


def _may_view(user) -> bool:
    return not user.is_authenticated or user.has_perm("openwisp.view_openwispdevice")


class OpenWispApp(Application):
    """OpenWISP (issue 20): settings per site, discovery runs, matches to decide, health."""

    title = _("OpenWISP")
    icon = "wifi"
    app_name = "openwisp"
    menu_template_name = None
    permission = staticmethod(_may_view)

    @property
    def index_path(self):
        return path("", OpenWispPageView.as_view(viewset=self), name="index")

    @property
    def discover_path(self):
        return path("<uuid:pk>/discover/", DiscoverNowView.as_view(viewset=self), name="discover")

    @property
    def decide_path(self):
        return path(
            "conflicts/<uuid:pk>/decide/", DecideConflictView.as_view(viewset=self), name="decide"
        )
