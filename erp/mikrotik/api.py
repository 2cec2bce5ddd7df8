"""REST API for router operations: test, profiles, active sessions (kick), samples, drift.

Every operation talks to the router from the server; a caller never gets its credentials. A
router that fails answers 502 with our own message (never the password).
"""

from __future__ import annotations

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.core.api import ServiceModelViewSet
from erp.sites.selectors import routers_visible_to

from . import selectors, services
from .exceptions import RouterError
from .models import HotspotProfile
from .serializers import (
    ActiveSessionSerializer,
    ConnectionReportSerializer,
    DriftRepairInputSerializer,
    DriftSerializer,
    HotspotProfileSerializer,
    KickInputSerializer,
    ProfileSyncSerializer,
    RouterEventSerializer,
    RouterSampleSerializer,
)


class RouterFailed(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "router_failed"


class CanOperateRouters(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("sites.operate_router")


class CanViewRouters(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("sites.view_router")


class _RouterView(APIView):
    permission_classes = [IsAuthenticated, CanOperateRouters]

    def router(self, request, pk):
        return get_object_or_404(routers_visible_to(request.user), pk=pk)

    @staticmethod
    def guarded(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RouterError as exc:
            raise RouterFailed(str(exc)) from None


class RouterTestView(_RouterView):
    @extend_schema(request=None, responses=ConnectionReportSerializer)
    def post(self, request, pk):
        report = services.test_connection(self.router(request, pk))
        return Response(report.as_dict())


class RouterSyncProfilesView(_RouterView):
    @extend_schema(request=None, responses=ProfileSyncSerializer)
    def post(self, request, pk):
        report = self.guarded(services.sync_profiles, self.router(request, pk))
        return Response(asdict(report))


class RouterActiveView(_RouterView):
    @extend_schema(responses=ActiveSessionSerializer(many=True))
    def get(self, request, pk):
        return Response(self.guarded(services.fetch_active_users, self.router(request, pk)))


class RouterKickView(_RouterView):
    @extend_schema(request=KickInputSerializer, responses={204: None})
    def post(self, request, pk):
        data = KickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.guarded(
            services.kick_session, self.router(request, pk), data.validated_data["session_id"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RouterDriftView(_RouterView):
    @extend_schema(responses=DriftSerializer)
    def get(self, request, pk):
        report = self.guarded(services.find_drift, self.router(request, pk))
        return Response(report.as_dict())


class RouterDriftRepairView(_RouterView):
    @extend_schema(request=DriftRepairInputSerializer, responses=DriftSerializer)
    def post(self, request, pk):
        data = DriftRepairInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        router = self.router(request, pk)
        before, push = self.guarded(services.repair_drift, router, **data.validated_data)
        after = self.guarded(services.find_drift, router)
        return Response(
            {"before": before.as_dict(), "push": asdict(push), "after": after.as_dict()}
        )


class RouterSamplesView(_RouterView):
    permission_classes = [IsAuthenticated, CanViewRouters]

    @extend_schema(responses=RouterSampleSerializer(many=True))
    def get(self, request, pk):
        samples = selectors.samples(self.router(request, pk))
        return Response(RouterSampleSerializer(samples, many=True).data)


class RouterEventsView(_RouterView):
    permission_classes = [IsAuthenticated, CanViewRouters]

    @extend_schema(responses=RouterEventSerializer(many=True))
    def get(self, request, pk):
        events = selectors.recent_events(self.router(request, pk), limit=100)
        return Response(RouterEventSerializer(events, many=True).data)


class HotspotProfileViewSet(ServiceModelViewSet):
    serializer_class = HotspotProfileSerializer
    queryset = HotspotProfile.objects.all()
    filterset_fields = ["is_active"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.save_profile(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_profile(actor=self.request.user, profile=instance, **data)
