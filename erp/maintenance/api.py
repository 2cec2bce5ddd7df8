"""Faults, repair logs and downtime over the API: reads, and the uptime figures.

Reporting a fault, triage, repair and verification drive the fault process: those endpoints
are workflows/fault_repair/api.py's (same URLs), so a fault reported there waits in the same
inbox and queue as one reported on a phone, and each step completes the same task.
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from erp.sites.selectors import sites_visible_to

from . import selectors
from .serializers import (
    DowntimeSerializer,
    FaultSerializer,
    RepairLogSerializer,
    SiteUptimeSerializer,
)


class FaultApiViewSet(viewsets.ReadOnlyModelViewSet):
    """List and read faults (reported and moved on through workflows.fault_repair.api)."""

    serializer_class = FaultSerializer
    filterset_fields = ["site", "status", "severity", "source", "assigned_to"]
    search_fields = ["description"]

    def get_queryset(self):
        return selectors.faults_visible_to(self.request.user).prefetch_related("assets")


class RepairLogApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Repair logs, never edited (recorded through workflows.fault_repair.api)."""

    serializer_class = RepairLogSerializer
    filterset_fields = ["fault", "technician"]

    def get_queryset(self):
        return selectors.repair_logs_visible_to(self.request.user).prefetch_related(
            "parts_installed", "parts_removed"
        )


def _period(request):
    start = parse_date(request.query_params.get("start") or "")
    end = parse_date(request.query_params.get("end") or "")
    if start is None or end is None or end <= start:
        raise ValidationError({"period": [_("Give start and end (YYYY-MM-DD), end after start.")]})
    if (end - start).days > 366:
        raise ValidationError({"period": [_("At most one year at a time.")]})
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time(), tz), datetime.combine(end, time(), tz)


class DowntimeApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Downtime spans per site; ``uptime/`` gives uptime % and MTTR per site for a period."""

    serializer_class = DowntimeSerializer
    filterset_fields = ["site", "router", "fault"]

    def get_queryset(self):
        return selectors.downtimes_visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="exclusive"),
        ],
        responses=SiteUptimeSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_fields=[])
    def uptime(self, request):
        start, end = _period(request)
        sites = list(sites_visible_to(request.user).order_by("name"))
        uptime = selectors.uptime_by_site(start=start, end=end, sites=sites)
        mttr_of = selectors.mttr_by_site(start=start, end=end, sites=sites)
        rows = []
        for site in sites:
            mttr = mttr_of.get(site.pk)
            rows.append(
                {
                    "site": site.pk,
                    "site_name": site.name,
                    **uptime[site.pk],
                    "mttr_seconds": None if mttr is None else int(mttr.total_seconds()),
                }
            )
        return Response(SiteUptimeSerializer(rows, many=True).data)
