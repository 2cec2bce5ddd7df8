"""Expenses and the profit report over the API."""

from __future__ import annotations

from decimal import Decimal

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.core.money import money_strings

from . import services
from .models import Expense
from .serializers import ExpenseDecisionSerializer, ExpenseSerializer


class ExpenseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Expenses are recorded and decided, never edited or deleted."""

    serializer_class = ExpenseSerializer
    queryset = Expense.objects.select_related("site")
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["site", "category", "status"]

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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    start = parse_date(request.query_params.get("start") or "")
    end = parse_date(request.query_params.get("end") or "")
    if start is None or end is None or end <= start:
        raise ValidationError({"period": ["Give start and end (YYYY-MM-DD), end after start."]})
    if (end - start).days > 366:
        raise ValidationError({"period": ["At most one year at a time."]})
    return start, end


class ProfitView(APIView):
    """Profit per site for days start ≤ day < end: revenue − refunds − commission − expenses."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        if not request.user.has_perm("finance.view_expense"):
            raise PermissionDenied()
        start, end = _period(request)
        rows = services.profit_by_site(start=start, end=end)
        total = sum((r["profit"] for r in rows), Decimal("0"))
        body = {"start": start, "end": end, "sites": rows, "total_profit": total}
        return Response(money_strings(body))


class ProfitExcelView(APIView):
    """The profit report as an Excel workbook (Profit and Expenses sheets, with totals)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        from django.http import HttpResponse

        from .exports import profit_workbook

        if not request.user.has_perm("finance.view_expense"):
            raise PermissionDenied()
        start, end = _period(request)
        response = HttpResponse(profit_workbook(start=start, end=end), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="profit-{start}-{end}.xlsx"'
        return response
