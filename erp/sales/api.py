"""The POS over the API: sell with an Idempotency-Key, list and read sales."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from erp.core.api import Conflict

from . import selectors, services
from .serializers import SaleInputSerializer, SaleSerializer


class SaleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SaleSerializer
    filterset_fields = ["site", "seller", "package", "payment_method"]

    def get_queryset(self):
        return selectors.sales_visible_to(self.request.user)

    @extend_schema(
        request=SaleInputSerializer,
        responses={201: SaleSerializer, 200: SaleSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A UUID the client makes per sale; sending "
                "the same request again returns the first sale.",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        try:
            key = uuid.UUID(request.headers.get("Idempotency-Key", ""))
        except ValueError:
            return Response(
                {"idempotency_key": ["Send an Idempotency-Key header: a UUID."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = SaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        client = None
        if d.get("client_phone"):
            client = services.client_for_sale(
                seller=request.user,
                phone=d["client_phone"],
                name=d.get("client_name", ""),
                package=d.get("package"),
                code=d.get("code"),
            )
        try:
            sale, created = services.sell(
                seller=request.user,
                idempotency_key=key,
                payment_method=d["payment_method"],
                code=d.get("code"),
                package=d.get("package"),
                discount=d.get("discount") or 0,
                payment_reference=d.get("payment_reference", ""),
                client=client,
            )
        except services.AlreadySold as exc:
            raise Conflict(str(exc)) from None
        return Response(
            SaleSerializer(sale).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
