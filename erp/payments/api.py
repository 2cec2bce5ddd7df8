"""REST API of online payments, for Finance: list and detail (scoped to the user's sites),
refund through the provider, and the reconciliations (read, or run one for a day)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erp.core.pagination import CreatedCursorPagination
from erp.core.permissions import ModelPermissions

from . import selectors, services
from .models import Reconciliation
from .serializers import (
    PaymentDetailSerializer,
    PaymentRefundInputSerializer,
    PaymentRefundSerializer,
    PaymentSerializer,
    ReconcileInputSerializer,
    ReconciliationSerializer,
)


class RefundPermission(ModelPermissions):
    """Reading needs ``view_payment``; the one write (a refund) needs ``refund_payment``."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["payments.refund_payment"]}


class ReconcilePermission(ModelPermissions):
    perms_map = {**ModelPermissions.perms_map, "POST": ["payments.add_reconciliation"]}


class PaymentApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers' online payments; ``status=paid`` is what we owe (paid, voucher not issued).
    POST ``{id}/refund/`` gives the payment back through its provider, once."""

    filterset_fields = {
        "status": ["exact"],
        "site": ["exact"],
        "account": ["exact"],
        "created_at": ["gte", "lt"],
    }
    search_fields = ["=transaction_id", "=provider_session_id", "=phone"]
    permission_classes = [RefundPermission]

    def get_queryset(self):
        return selectors.payments_visible_to(self.request.user).prefetch_related("refunds")

    def get_serializer_class(self):
        return PaymentDetailSerializer if self.action == "retrieve" else PaymentSerializer

    @extend_schema(request=PaymentRefundInputSerializer, responses={201: PaymentRefundSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        data = PaymentRefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_payment(
            actor=request.user, payment=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(PaymentRefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class RanAtCursorPagination(CreatedCursorPagination):
    ordering = "-ran_at"


class ReconciliationApiViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Each day's comparison of our payments with the provider's records; POST runs one now
    for an account and a past or current day (it asks the provider about each payment)."""

    permission_classes = [ReconcilePermission]
    serializer_class = ReconciliationSerializer
    filterset_fields = {"account": ["exact"], "day": ["exact", "gte", "lte"]}
    pagination_class = RanAtCursorPagination

    def get_queryset(self):
        return selectors.reconciliations_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if user.is_authenticated and user.scoped_sites() is not None:
            context["visible_payment_ids"] = {
                str(pk) for pk in selectors.payments_visible_to(user).values_list("pk", flat=True)
            }
        return context

    @extend_schema(request=ReconcileInputSerializer, responses={201: ReconciliationSerializer})
    def create(self, request, *args, **kwargs):
        data = ReconcileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day = data.validated_data["day"]
        if day > timezone.localdate():
            raise exceptions.ValidationError({"day": [_("A day in the future has no payments.")]})
        report = services.reconcile(account=data.validated_data["account"], day=day)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


__all__ = ["PaymentApiViewSet", "Reconciliation", "ReconciliationApiViewSet"]
