"""REST API for packages, voucher batches (read, cards, codes, resume) and vouchers (stock,
lookup). Requesting and deciding a batch drive its approval process: those endpoints are
workflows/voucher_batch/api.py's (same URLs)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from erp.core.api import Conflict, ServiceModelViewSet

from . import printing, selectors, services
from .models import Package, Voucher
from .serializers import (
    AssignSerializer,
    BatchSerializer,
    PackageSerializer,
    PrintSerializer,
    ReturnSerializer,
    VoidSerializer,
    VoucherDetailSerializer,
    VoucherSerializer,
)


class PackageApiViewSet(ServiceModelViewSet):
    serializer_class = PackageSerializer
    queryset = Package.objects.select_related("profile").prefetch_related("sites")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["is_active", "sites"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.save_package(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_package(actor=self.request.user, package=instance, **data)


class VoucherBatchApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Batches: read, print, resume. Requested and decided through their process
    (workflows.voucher_batch.api); never edited."""

    serializer_class = BatchSerializer
    filterset_fields = ["status", "package", "site", "router", "agent"]

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("layout", str, enum=list(printing.LAYOUTS)),
            OpenApiParameter("per_page", int),
        ],
        responses={(200, "application/pdf"): bytes},
    )
    @action(detail=True, methods=["get"], url_path="cards")
    def cards(self, request, pk=None):
        """The batch's cards as PDF (A4 grid, or 58 / 80 mm thermal rolls)."""
        batch = self.get_object()
        layout, per_page = _layout(request)
        vouchers = list(batch.vouchers.select_related("package", "site").order_by("code"))
        return _pdf_response(vouchers, layout, per_page, f"vouchers-{batch.pk}")

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"], url_path="codes")
    def codes(self, request, pk=None):
        """The batch's codes as CSV (for another printing tool, or a spreadsheet)."""
        batch = self.get_object()
        return printing.batch_csv_response(batch)

    @extend_schema(request=None, responses={200: BatchSerializer, 409: dict})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def resume(self, request, pk=None):
        """Queue a stuck batch's job again (its worker died, or the router refused users).
        Finance, Sales, Super Admin; 409 when the batch is not stuck."""
        batch = self.get_object()
        try:
            batch = services.resume_batch(actor=request.user, batch=batch)
        except services.BatchNotStuck as exc:
            raise Conflict(str(exc)) from None
        return Response(self.get_serializer(batch).data)


def _layout(request) -> tuple[str, int]:
    layout = request.query_params.get("layout") or request.data.get("layout") or "a4"
    per_page = request.query_params.get("per_page") or request.data.get("per_page") or 12
    if layout not in printing.LAYOUTS:
        raise ValidationError(
            {"layout": [_("Use one of: %(layouts)s.") % {"layouts": ", ".join(printing.LAYOUTS)}]}
        )
    try:
        per_page = int(per_page)
    except (TypeError, ValueError):
        per_page = 0
    if not 1 <= per_page <= printing.MAX_CARDS_PER_PAGE:
        raise ValidationError(
            {
                "per_page": [
                    _("Cards per page: 1 to %(most)d.") % {"most": printing.MAX_CARDS_PER_PAGE}
                ]
            }
        )
    return layout, per_page


def _pdf_response(vouchers, layout: str, per_page: int, name: str) -> HttpResponse:
    if len(vouchers) > MAX_PRINT:
        raise ValidationError(
            {
                "vouchers": [
                    _("Print at most %(most)s cards at a time.") % {"most": f"{MAX_PRINT:,}"}
                ]
            }
        )
    pdf = printing.cards_pdf(vouchers, layout=layout, per_page=per_page)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


MAX_PRINT = 5000


class VoucherApiViewSet(viewsets.ReadOnlyModelViewSet):
    """Vouchers as stock: an agent sees only the agent's own."""

    filterset_fields = ["status", "batch", "package", "site", "agent"]

    def get_serializer_class(self):
        return (
            VoucherDetailSerializer if self.action in {"retrieve", "lookup"} else VoucherSerializer
        )

    def get_queryset(self) -> QuerySet[Voucher]:
        vouchers = selectors.vouchers_visible_to(self.request.user)
        if self.action in {"retrieve", "lookup"}:
            vouchers = vouchers.prefetch_related("events__actor")
        return vouchers

    # The write actions check vouchers.change_voucher themselves (a POST would otherwise ask
    # for the add permission, which nobody has: vouchers are made only by batches).
    def _need_change(self):
        if not self.request.user.has_perm("vouchers.change_voucher"):
            raise PermissionDenied()

    @extend_schema(
        parameters=[OpenApiParameter("code", str, required=True)], responses=VoucherDetailSerializer
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """Find a customer's code (spaces and case forgiven), with its history."""
        code = "".join(request.query_params.get("code", "").split()).upper()
        if not code or len(code) > 40:
            return Response(
                {"code": [_("Give the voucher code.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        voucher = get_object_or_404(self.get_queryset(), code=code)
        return Response(VoucherDetailSerializer(voucher).data)

    @extend_schema(request=AssignSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated])
    def assign(self, request):
        """Assign unused vouchers to an agent (from office stock or another agent)."""
        self._need_change()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        chosen = selectors.stock_selection(
            request.user,
            batch=d.get("batch"),
            ids=d.get("vouchers"),
            package=d.get("package"),
            site=d.get("site"),
            count=d.get("count"),
        )
        moved = services.assign_to_agent(
            actor=request.user, agent=d["agent"], vouchers=chosen, note=d.get("note", "")
        )
        return Response({"assigned": moved})

    @extend_schema(request=ReturnSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="return", permission_classes=[IsAuthenticated])
    def return_to_office(self, request):
        self._need_change()
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = self.get_queryset().filter(pk__in=data.validated_data["vouchers"])
        moved = services.return_to_office(
            actor=request.user, vouchers=chosen, note=data.validated_data.get("note", "")
        )
        return Response({"returned": moved})

    @extend_schema(request=PrintSerializer, responses={(200, "application/pdf"): bytes})
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated])
    def cards(self, request):
        """Reprint chosen vouchers (one, a range, a selection) as PDF cards."""
        data = PrintSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        wanted = d["vouchers"]
        vouchers = list(self.get_queryset().filter(pk__in=wanted).order_by("code"))
        if len(vouchers) != len(set(wanted)):
            raise NotFound(_("Some of these vouchers are not yours to print."))
        return _pdf_response(vouchers, d["layout"], d["per_page"], "vouchers")

    @extend_schema(request=VoidSerializer, responses=VoucherDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def void(self, request, pk=None):
        self._need_change()
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = services.void_voucher(
            actor=request.user, voucher=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(VoucherDetailSerializer(voucher).data)
