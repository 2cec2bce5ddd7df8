"""The API endpoints that drive a batch's approval process: request (starts the process, so
the batch waits in the approvers' inbox like one asked in the UI) and decide (completes the
approval task). Same URLs as the rest of /api/v1/voucher-batches/."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from erp.sites.selectors import site_is_visible_to
from erp.vouchers import services as vouchers
from erp.vouchers.api import VoucherBatchApiViewSet
from erp.vouchers.serializers import BatchSerializer, DecisionSerializer

from . import services


class BatchProcessApiViewSet(mixins.CreateModelMixin, VoucherBatchApiViewSet):
    """Batches are requested here and decided with ``decide``; they are never edited."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not site_is_visible_to(request.user, data["router"].site):
            raise NotFound(_("No such router."))
        batch = vouchers.request_batch(actor=request.user, **data)
        services.start_process(batch)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def decide(self, request, pk=None):
        if not request.user.has_perm("vouchers.change_voucherbatch"):
            raise PermissionDenied()
        batch = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        batch = services.decide(
            actor=request.user,
            batch=batch,
            approve=decision.validated_data["approve"],
            comment=decision.validated_data.get("comment", ""),
        )
        return Response(self.get_serializer(batch).data)
