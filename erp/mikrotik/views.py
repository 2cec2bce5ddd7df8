"""Router operation pages: test, sync profiles, drift (check and repair), active sessions.

Thin: each calls a service and shows its result; a router failure becomes a message on the
page (our own text, never the password).
"""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.sites.selectors import routers_visible_to

from . import services
from .exceptions import RouterError


class _RouterOperation(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "sites.operate_router"
    viewset = None

    def get_router(self):
        return get_object_or_404(routers_visible_to(self.request.user), pk=self.kwargs["pk"])

    def detail_url(self, router) -> str:
        return self.viewset.reverse("detail", args=[router.pk])


class RouterTestView(_RouterOperation, View):
    def post(self, request, pk):
        router = self.get_router()
        report = services.test_connection(router)
        if report.ok:
            messages.success(
                request,
                _("%(router)s answered: %(identity)s, RouterOS %(version)s, CPU %(cpu)s%%.")
                % {
                    "router": router,
                    "identity": report.identity,
                    "version": report.version,
                    "cpu": report.cpu_load,
                },
            )
        else:
            messages.error(request, report.error)
        return HttpResponseRedirect(self.detail_url(router))


class RouterSyncProfilesView(_RouterOperation, View):
    def post(self, request, pk):
        router = self.get_router()
        try:
            report = services.sync_profiles(router)
        except RouterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Profiles synced: %(a)d added, %(u)d updated, %(n)d already right.")
                % {"a": len(report.added), "u": len(report.updated), "n": len(report.unchanged)},
            )
        return HttpResponseRedirect(self.detail_url(router))


class _RouterPage(_RouterOperation, TemplateView):
    """A page showing what one service read from the router, or why it could not."""

    context_name = ""

    def read(self, router):  # pragma: no cover - every page defines it
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        router = self.get_router()
        context.update(router=router, detail_url=self.detail_url(router))
        try:
            context[self.context_name] = self.read(router)
        except RouterError as exc:
            context["error"] = str(exc)
        return context


class RouterDriftView(_RouterPage):
    template_name = "mikrotik/router_drift.html"
    context_name = "report"

    def read(self, router):
        return services.find_drift(router)

    def post(self, request, pk):
        router = self.get_router()
        try:
            _report, push = services.repair_drift(
                router, remove_unknown=request.POST.get("remove_unknown") == "on"
            )
        except RouterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Repaired: %(added)d added, %(updated)d updated, "
                    "%(removed)d removed, %(failed)d failed."
                )
                % asdict(push),
            )
        return HttpResponseRedirect(request.path)


class RouterActiveView(_RouterPage):
    template_name = "mikrotik/router_active.html"
    context_name = "sessions"

    def read(self, router):
        return services.fetch_active_users(router)

    def post(self, request, pk):
        router = self.get_router()
        session_id = request.POST.get("session_id", "")
        if not (session_id.startswith("*") and 1 < len(session_id) <= 9):
            messages.error(request, _("That is not a session of this router."))
        else:
            try:
                services.kick_session(router, session_id)
                messages.success(request, _("Session disconnected."))
            except RouterError as exc:
                messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)
