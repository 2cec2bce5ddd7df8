"""The router pages: the CRUD of the sites app plus status, figures and operations."""

from __future__ import annotations

from django.urls import path

from erp.maintenance.selectors import recent_downtimes
from erp.sites.models import Router
from erp.sites.viewsets import RouterViewset

from . import selectors, views
from .choices import RouterEventKind
from .models import RouterCircuit


class OperatedRouterViewset(RouterViewset):
    detail_template_name = "mikrotik/router_detail.html"

    def get_detail_context(self, request, router) -> dict:
        samples = list(selectors.samples(router, limit=12))
        drift = selectors.last_drift_job(router)
        drift_found = None
        if drift is not None and drift.status == "done":
            found = drift.result.get("before", drift.result)
            drift_found = sum(len(v) for k, v in found.items() if isinstance(v, list))
        return {
            "circuit": RouterCircuit.objects.filter(pk=router.pk).first(),
            "last_drift": drift,
            "last_drift_found": drift_found,
            "last_drift_url": self.reverse("job", args=[router.pk, drift.pk]) if drift else "",
            "router_ops": request.user.has_perm("sites.operate_router"),
            "latest_sample": samples[0] if samples else None,
            # the health sample of the last minute has no count: the last one that counted
            "users_online": selectors.users_online(Router.objects.filter(pk=router.pk)).get(
                router.pk
            ),
            "traffic_samples": [s for s in samples if s.rx_bytes is not None],
            "router_events": self.events_with_faults(request, router),
            "ops_urls": {
                name: self.reverse(name, args=[router.pk])
                for name in ("test", "sync_profiles", "drift", "active")
            },
        }

    @staticmethod
    def events_with_faults(request, router) -> list:
        """The last 10 ups and downs; a down that opened a downtime carries its ``fault`` (the
        fault monitoring opened for it, linked from the page) when the user may see faults.
        The downtime started at the event's moment: that is how monitoring records both."""
        events = list(selectors.recent_events(router, limit=10))
        downs = [e.at for e in events if e.kind == RouterEventKind.DOWN]
        faults = {}
        if downs and request.user.has_perm("maintenance.view_fault"):
            faults = {
                d.started_at: d.fault
                for d in recent_downtimes(
                    request.user, since=min(downs), router=router, limit=len(events)
                )
                if d.fault_id
            }
        for event in events:
            event.fault = faults.get(event.at) if event.kind == RouterEventKind.DOWN else None
        return events

    @property
    def test_path(self):
        return path("<uuid:pk>/test/", views.RouterTestAPIView.as_view(viewset=self), name="test")

    @property
    def sync_profiles_path(self):
        return path(
            "<uuid:pk>/sync-profiles/",
            views.RouterSyncProfilesAPIView.as_view(viewset=self),
            name="sync_profiles",
        )

    @property
    def drift_path(self):
        return path(
            "<uuid:pk>/drift/", views.RouterDriftAPIView.as_view(viewset=self), name="drift"
        )

    @property
    def active_path(self):
        return path(
            "<uuid:pk>/active/", views.RouterActiveAPIView.as_view(viewset=self), name="active"
        )

    @property
    def job_path(self):
        return path(
            "<uuid:pk>/job/<uuid:job>/", views.RouterJobPage.as_view(viewset=self), name="job"
        )
