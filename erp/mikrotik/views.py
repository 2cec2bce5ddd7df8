"""Router operation pages: test, sync profiles, drift (check and repair), active sessions.

Thin, and never waiting on a router: each operation starts a job (erp.mikrotik.tasks.start_job)
that a worker runs, and the browser lands on the job's page, which reloads itself until the
worker has an answer. A silent router holds a worker for its timeout, never a web process.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.sites.selectors import routers_visible_to

from . import services, tasks
from .choices import RouterJobKind, RouterJobStatus
from .models import RouterJob

# How often a waiting job page reloads itself (seconds).
POLL_SECONDS = 1


class _RouterOperation(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "sites.operate_router"
    viewset = None

    def get_router(self):
        return get_object_or_404(routers_visible_to(self.request.user), pk=self.kwargs["pk"])

    def detail_url(self, router) -> str:
        return self.viewset.reverse("detail", args=[router.pk])

    def start(self, kind: str, **params) -> HttpResponseRedirect:
        router = self.get_router()
        job = tasks.start_job(router, kind, actor=self.request.user, params=params)
        return HttpResponseRedirect(self.viewset.reverse("job", args=[router.pk, job.pk]))


class RouterTestAPIView(_RouterOperation, View):
    def post(self, request, pk):
        return self.start(RouterJobKind.TEST)


class RouterSyncProfilesAPIView(_RouterOperation, View):
    def post(self, request, pk):
        return self.start(RouterJobKind.SYNC_PROFILES)


class RouterDriftAPIView(_RouterOperation, View):
    """GET reads the drift (a job); POST repairs it (another job)."""

    def get(self, request, pk):
        return self.start(RouterJobKind.DRIFT_CHECK)

    def post(self, request, pk):
        return self.start(
            RouterJobKind.DRIFT_REPAIR, remove_unknown=request.POST.get("remove_unknown") == "on"
        )


class RouterActiveAPIView(_RouterOperation, View):
    """GET reads who is online (a job); POST disconnects one session (another job)."""

    def get(self, request, pk):
        return self.start(RouterJobKind.ACTIVE)

    def post(self, request, pk):
        session_id = request.POST.get("session_id", "")
        if not (session_id.startswith("*") and 1 < len(session_id) <= 9):
            router = self.get_router()
            messages.error(request, _("That is not a session of this router."))
            return HttpResponseRedirect(self.detail_url(router))
        return self.start(RouterJobKind.KICK, session_id=session_id)


class RouterJobPage(_RouterOperation, TemplateView):
    """One job: waiting (the page reloads itself), or its result, or why it failed."""

    template_name = "mikrotik/router_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        router = self.get_router()
        job = get_object_or_404(RouterJob, router=router, pk=self.kwargs["job"])
        lost = services.job_is_lost(job)
        context.update(
            router=router,
            job=job,
            lost=lost,
            waiting=not job.finished and not lost,
            poll_seconds=POLL_SECONDS,
            detail_url=self.detail_url(router),
            drift_url=self.viewset.reverse("drift", args=[router.pk]),
            active_url=self.viewset.reverse("active", args=[router.pk]),
            result=job.result,
        )
        if job.status == RouterJobStatus.DONE and job.kind == RouterJobKind.DRIFT_CHECK:
            context["report_rows"] = _drift_rows(job.result)
        elif job.status == RouterJobStatus.DONE and job.kind == RouterJobKind.DRIFT_REPAIR:
            context["report_rows"] = _drift_rows(job.result["after"])
            context["before_rows"] = [r for r in _drift_rows(job.result["before"]) if r[2]]
        return context


def _drift_rows(report: dict) -> list[tuple[str, str, list[str]]]:
    return [(key, label, report.get(key, [])) for key, label in services.DRIFT_LABELS.items()]
