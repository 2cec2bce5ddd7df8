"""The POS over the API: sell with an Idempotency-Key, list, refund; remittances; statements."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.accounts.models import User
from erp.core.api import Conflict, ServiceModelViewSet
from erp.core.money import money_strings
from erp.sites.selectors import sites_visible_to

from . import selectors, services
from .models import CommissionRule
from .serializers import (
    CommissionRuleSerializer,
    IdempotencyMismatchSerializer,
    RefundInputSerializer,
    RefundSerializer,
    RemittanceSerializer,
    SaleInputSerializer,
    SaleSerializer,
    StatementSerializer,
)


class IdempotencyMismatch(APIException):
    """The Idempotency-Key already made a sale from a different request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class SaleApiViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SaleSerializer
    filterset_fields = ["site", "seller", "package", "payment_method", "channel"]

    def get_queryset(self):
        return selectors.sales_visible_to(self.request.user)

    @extend_schema(
        request=SaleInputSerializer,
        responses={201: SaleSerializer, 200: SaleSerializer, 422: IdempotencyMismatchSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A UUID the client makes per sale; sending the same request "
                "again returns the first sale (200); the same key with a different request "
                "is refused (422).",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        try:
            key = uuid.UUID(request.headers.get("Idempotency-Key", ""))
        except ValueError:
            return Response(
                {"idempotency_key": [_("Send an Idempotency-Key header: a UUID.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = SaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        request_hash = services.sale_fingerprint(
            payment_method=d["payment_method"],
            code=d.get("code"),
            package=d.get("package"),
            discount=d.get("discount"),
            payment_reference=d.get("payment_reference", ""),
            phone=d.get("client_phone") or "",
            name=(d.get("client_name") or "").strip(),
            **({"site": str(d["site"])} if d.get("site") else {}),
        )
        try:
            # Asked before anything is written: a reused key must not create a client.
            replayed = services.replayed_sale(
                seller=request.user, idempotency_key=key, request_hash=request_hash
            )
        except services.IdempotencyKeyReused as exc:
            raise IdempotencyMismatch(str(exc)) from None
        if replayed is not None:
            return Response(SaleSerializer(replayed).data, status=status.HTTP_200_OK)
        try:
            sale, created = services.sell_to_phone(
                seller=request.user,
                idempotency_key=key,
                payment_method=d["payment_method"],
                phone=d.get("client_phone") or None,
                name=d.get("client_name", ""),
                code=d.get("code"),
                package=d.get("package"),
                discount=d.get("discount") or Decimal("0"),
                payment_reference=d.get("payment_reference", ""),
                request_hash=request_hash,
                receipt_phone=str(d.get("receipt_phone") or ""),
                site_id=d.get("site"),
            )
        except (services.AlreadySold, services.NotOnRouter) as exc:
            raise Conflict(str(exc)) from None
        except services.IdempotencyKeyReused as exc:
            raise IdempotencyMismatch(str(exc)) from None
        return Response(
            SaleSerializer(sale).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=RefundInputSerializer, responses={201: RefundSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def refund(self, request, pk=None):
        """Refund a sale (Finance, Super Admin): a record of its own, commission reversed."""
        if not request.user.has_perm("sales.add_refund"):
            raise PermissionDenied()
        data = RefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_sale(
            actor=request.user, sale=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class RemittanceApiViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Money handed in by agents. An agent sees the agent's own."""

    serializer_class = RemittanceSerializer
    filterset_fields = ["agent", "method"]

    def get_queryset(self):
        return selectors.remittances_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        remittance = services.record_remittance(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(remittance).data, status=status.HTTP_201_CREATED)


def _bound(raw: str | None, name: str):
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        value = datetime.combine(day, time.min) if day else None
    if value is None:
        raise ValidationError({name: [_("Use an ISO date or date-time.")]})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class StatementAPIView(APIView):
    """An agent's statement for a period: the agent's own, or anyone's for Finance."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME),
            OpenApiParameter("end", OpenApiTypes.DATETIME),
        ],
        responses=StatementSerializer,
    )
    def get(self, request, agent_id):
        agent = get_object_or_404(User, pk=agent_id, groups__name="Agent")
        own = agent.pk == request.user.pk
        if not own and (
            request.user.is_agent or not request.user.has_perm("sales.view_remittance")
        ):
            raise NotFound()
        start = _bound(request.query_params.get("start"), "start")
        end = _bound(request.query_params.get("end"), "end")
        figures = services.statement(agent, start=start, end=end)
        return Response(
            StatementSerializer({"agent": agent.pk, "start": start, "end": end, **figures}).data
        )


class DailySummaryAPIView(APIView):
    """Z report: a day's sales by package and payment method, for a site or a seller."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("day", OpenApiTypes.DATE, required=True),
            OpenApiParameter("site", OpenApiTypes.UUID),
            OpenApiParameter("seller", OpenApiTypes.UUID),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        if not request.user.has_perm("sales.view_sale"):
            raise PermissionDenied()
        day = parse_date(request.query_params.get("day", "") or "")
        if day is None:
            raise ValidationError({"day": [_("Give the day as YYYY-MM-DD.")]})
        site = seller = None
        if request.query_params.get("site"):
            site = get_object_or_404(
                sites_visible_to(request.user), pk=request.query_params["site"]
            )
        if request.query_params.get("seller"):
            seller = get_object_or_404(User, pk=request.query_params["seller"])
        summary = selectors.daily_summary(request.user, day=day, site=site, seller=seller)
        return Response(money_strings(summary))


class CommissionRuleApiViewSet(ServiceModelViewSet):
    """Commission rules; the most specific active rule wins (agent + package, agent, package,
    site, default). Rules are switched off, not deleted: past sales refer to their figures."""

    serializer_class = CommissionRuleSerializer
    filterset_fields = ["agent", "package", "site", "is_active"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return CommissionRule.objects.select_related("agent", "package", "site")

    def create_object(self, data):
        return services.save_commission_rule(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_commission_rule(actor=self.request.user, rule=instance, **data)
