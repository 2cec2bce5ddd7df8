"""Expenses over the API (the reports, profit among them, are analytics.api)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from erp.core.parsers import SafeJSONParser

from . import services
from .models import Expense
from .selectors import expenses_visible_to
from .serializers import ExpenseDecisionSerializer, ExpenseSerializer


class ExpenseApiViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Expenses are recorded and decided, never edited or deleted."""

    serializer_class = ExpenseSerializer
    queryset = Expense.objects.none()  # for the schema and permissions; rows: get_queryset
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    filterset_fields = ["site", "category", "status"]

    def get_queryset(self):
        return expenses_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        expense = services.record_expense(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(expense).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpenseDecisionSerializer, responses=ExpenseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def decide(self, request, pk=None):
        if not request.user.has_perm("finance.view_expense"):
            raise PermissionDenied()
        data = ExpenseDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expense = services.decide_expense(
            actor=request.user, expense=self.get_object(), approve=data.validated_data["approve"]
        )
        return Response(self.get_serializer(expense).data)
