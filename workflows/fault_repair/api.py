"""The API endpoints that drive the fault process: report (starts it), triage, the repair log
(completes the repair step) and verify. Same URLs as the rest of /api/v1/faults/ and
/api/v1/repair-logs/; a fault reported here waits in the same inbox and queue as one reported
on a phone, and each step completes the same task."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from erp.core.parsers import SafeJSONParser
from erp.maintenance.api import FaultApiViewSet, RepairLogApiViewSet
from erp.maintenance.selectors import faults_visible_to
from erp.maintenance.serializers import FaultSerializer, TriageSerializer, VerifySerializer

from . import services


class FaultProcessApiViewSet(mixins.CreateModelMixin, FaultApiViewSet):
    """Report a fault (starts its process), list and read them; triage and verify steps."""

    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fault = services.report(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(fault).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TriageSerializer, responses=FaultSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fault = services.triage(actor=request.user, fault=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(fault).data)

    @extend_schema(request=VerifySerializer, responses=FaultSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fault = services.verify(actor=request.user, fault=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(fault).data)


class RepairProcessApiViewSet(mixins.CreateModelMixin, RepairLogApiViewSet):
    """The assigned technician records a repair (completes the repair step); logs are never
    edited."""

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fault = fields.pop("fault")
        if not faults_visible_to(request.user).filter(pk=fault.pk).exists():
            raise ValidationError({"fault": [_("Choose a fault of your sites.")]})
        log = services.repair(actor=request.user, fault=fault, **fields)
        return Response(self.get_serializer(log).data, status=status.HTTP_201_CREATED)
