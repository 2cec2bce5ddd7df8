"""Assets, their movements and the inventory value over the API: thin classes over selectors
and services."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from erp.core.api import ServiceModelViewSet

from . import labels, selectors, services
from .serializers import (
    AssetDetailSerializer,
    AssetMovementSerializer,
    AssetSerializer,
    AssetTypeSerializer,
    InventoryValueSerializer,
    MoveSerializer,
)

MAX_WARRANTY_DAYS = 3650


class AssetTypeApiViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AssetTypeSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.asset_types()


class AssetApiViewSet(ServiceModelViewSet):
    """Assets of the sites the user works on. Retrieve includes the history timeline."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["asset_type", "status", "condition", "site", "router"]
    search_fields = ["serial_number", "model", "vendor", "=mac_address", "supplier"]

    def get_queryset(self):
        return selectors.assets_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AssetDetailSerializer
        if self.action == "move":
            return MoveSerializer
        return AssetSerializer

    def create_object(self, data):
        return services.create_asset(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_asset(actor=self.request.user, asset=instance, **data)

    @extend_schema(request=MoveSerializer, responses={201: AssetMovementSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Assign to a site, move between sites, return to stock, send to repair or retire."""
        if not request.user.has_perm("assets.move_asset"):
            raise PermissionDenied()
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        movement = services.move_asset(
            actor=request.user, asset=self.get_object(), **data.validated_data
        )
        return Response(AssetMovementSerializer(movement).data, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description="Default 30.")],
        responses=AssetSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def warranty(self, request):
        """Assets (not retired) whose warranty ends within ``days`` days from today."""
        try:
            days = int(request.query_params.get("days", 30))
        except ValueError:
            raise ValidationError({"days": [_("Give a whole number of days.")]}) from None
        if not 0 <= days <= MAX_WARRANTY_DAYS:
            raise ValidationError(
                {"days": [_("Between 0 and %(most)d days.") % {"most": MAX_WARRANTY_DAYS}]}
            )
        assets = selectors.warranty_ending(user=request.user, days=days, today=timezone.localdate())
        return Response(AssetSerializer(assets, many=True, context={"request": request}).data)

    @extend_schema(responses=InventoryValueSerializer)
    @action(detail=False, methods=["get"], url_path="inventory-value", pagination_class=None)
    def inventory_value(self, request):
        """Purchase cost of the assets not retired, per site and per type."""
        if not request.user.has_perm("assets.view_asset_value"):
            raise PermissionDenied()
        value = selectors.inventory_value(user=request.user)
        return Response(InventoryValueSerializer(value).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("ids", OpenApiTypes.STR, description="Comma-separated asset ids."),
        ],
        responses={(200, "application/pdf"): bytes},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def labels(self, request):
        """Labels (QR code of the asset's page and its serial) for the chosen or filtered
        assets, as an A4 PDF sheet."""
        if not request.user.has_perm("assets.print_asset_labels"):
            raise PermissionDenied()
        assets = self.filter_queryset(self.get_queryset())
        raw_ids = [i.strip() for i in request.query_params.get("ids", "").split(",") if i.strip()]
        if raw_ids:
            try:
                ids = [uuid.UUID(i) for i in raw_ids]
            except ValueError:
                raise ValidationError({"ids": [_("Give asset ids separated by commas.")]}) from None
            assets = assets.filter(pk__in=ids)
        assets = list(assets[: labels.MAX_LABELS + 1])
        if len(assets) > labels.MAX_LABELS:
            raise ValidationError(
                {
                    "ids": [
                        _("Print at most %(most)d labels at a time.") % {"most": labels.MAX_LABELS}
                    ]
                }
            )
        if not assets:
            raise ValidationError({"ids": [_("No asset to print.")]})
        pdf = labels.labels_pdf(assets, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="asset-labels-{dt.date.today()}.pdf"'
        return response


class AssetMovementApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Every movement of the assets the user may see; written only by ``assets/{id}/move/``."""

    serializer_class = AssetMovementSerializer
    filterset_fields = ["asset", "kind", "from_site", "to_site", "actor"]

    def get_queryset(self):
        return selectors.movements_visible_to(self.request.user)
