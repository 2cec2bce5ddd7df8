"""REST API for router operations: test, profiles, active sessions (kick), samples, drift.

Every operation that talks to a router runs as a job on a worker: the endpoint answers 202 with
the job and its status URL at once, and the client polls ``/api/v1/router-jobs/<id>/`` for the
result. A router that fails ends the job failed with our own message (never the password).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.core.api import ServiceModelViewSet
from erp.sites.selectors import routers_visible_to

from . import selectors, services, tasks
from .choices import RouterJobKind
from .exceptions import RouterError
from .models import HotspotProfile, RouterJob
from .serializers import (
    DriftRepairInputSerializer,
    HotspotProfileSerializer,
    KickInputSerializer,
    RouterEventSerializer,
    RouterJobSerializer,
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


class _RouterAPIView(APIView):
    permission_classes = [IsAuthenticated, CanOperateRouters]

    def router(self, request, pk):
        return get_object_or_404(routers_visible_to(request.user), pk=pk)

    @staticmethod
    def guarded(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RouterError as exc:
            raise RouterFailed(str(exc)) from None


def _job_response(request, job) -> Response:
    """202 Accepted: the worker talks to the router; the client polls the job's status URL."""
    body = RouterJobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


class _RouterJobStartAPIView(_RouterAPIView):
    """Starts a job for one router call and answers at once, whatever state the router is in:
    no API request waits on a router (a silent one would hold the web worker)."""

    kind = ""

    def start(self, request, pk, **params):
        job = tasks.start_job(
            self.router(request, pk), self.kind, actor=request.user, params=params
        )
        return _job_response(request, job)


class RouterTestAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.TEST

    @extend_schema(request=None, responses={202: RouterJobSerializer})
    def post(self, request, pk):
        return self.start(request, pk)


class RouterSyncProfilesAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.SYNC_PROFILES

    @extend_schema(request=None, responses={202: RouterJobSerializer})
    def post(self, request, pk):
        return self.start(request, pk)


class RouterActiveAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.ACTIVE

    @extend_schema(responses={202: RouterJobSerializer})
    def get(self, request, pk):
        return self.start(request, pk)


class RouterKickAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.KICK

    @extend_schema(request=KickInputSerializer, responses={202: RouterJobSerializer})
    def post(self, request, pk):
        data = KickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.start(request, pk, session_id=data.validated_data["session_id"])


class RouterDriftAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.DRIFT_CHECK

    @extend_schema(responses={202: RouterJobSerializer})
    def get(self, request, pk):
        return self.start(request, pk)


class RouterDriftRepairAPIView(_RouterJobStartAPIView):
    kind = RouterJobKind.DRIFT_REPAIR

    @extend_schema(request=DriftRepairInputSerializer, responses={202: RouterJobSerializer})
    def post(self, request, pk):
        data = DriftRepairInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.start(request, pk, **data.validated_data)


class RouterJobAPIView(APIView):
    """A router job's state and, once finished, its result."""

    permission_classes = [IsAuthenticated, CanOperateRouters]

    @extend_schema(responses=RouterJobSerializer)
    def get(self, request, job_id):
        job = get_object_or_404(
            RouterJob.objects.filter(router__in=routers_visible_to(request.user)), pk=job_id
        )
        return Response(RouterJobSerializer(job, context={"request": request}).data)


class RouterSamplesAPIView(_RouterAPIView):
    permission_classes = [IsAuthenticated, CanViewRouters]

    @extend_schema(responses=RouterSampleSerializer(many=True))
    def get(self, request, pk):
        samples = selectors.samples(self.router(request, pk))
        return Response(RouterSampleSerializer(samples, many=True).data)


class RouterEventsAPIView(_RouterAPIView):
    permission_classes = [IsAuthenticated, CanViewRouters]

    @extend_schema(responses=RouterEventSerializer(many=True))
    def get(self, request, pk):
        events = selectors.recent_events(self.router(request, pk), limit=100)
        return Response(RouterEventSerializer(events, many=True).data)


class HotspotProfileApiViewSet(ServiceModelViewSet):
    serializer_class = HotspotProfileSerializer
    queryset = HotspotProfile.objects.all()
    filterset_fields = ["is_active"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.save_profile(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_profile(actor=self.request.user, profile=instance, **data)
