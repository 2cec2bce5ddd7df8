"""Printing from the UI: a batch's cards as PDF, its codes as CSV."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from . import printing, selectors


class _BatchFile(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "vouchers.view_voucherbatch"
    viewset = None

    def batch(self):
        return get_object_or_404(
            selectors.batches_visible_to(self.request.user), pk=self.kwargs["pk"]
        )


class BatchCardsView(_BatchFile):
    def get(self, request, pk):
        batch = self.batch()
        layout = request.GET.get("layout", "a4")
        try:
            per_page = int(request.GET.get("per_page", 12))
            vouchers = list(batch.vouchers.select_related("package", "site").order_by("code"))
            pdf = printing.cards_pdf(vouchers, layout=layout, per_page=per_page)
        except ValueError as exc:
            raise Http404(str(exc)) from None
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="vouchers-{batch.pk}-{layout}.pdf"'
        return response


class BatchCodesView(_BatchFile):
    def get(self, request, pk):
        batch = self.batch()
        vouchers = batch.vouchers.select_related("package", "site", "agent").order_by("code")
        response = HttpResponse(
            printing.batch_csv(vouchers.iterator(chunk_size=5000)), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="vouchers-{batch.pk}.csv"'
        return response


class CardPreviewView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A card template on six sample vouchers (nothing real printed)."""

    permission_required = "vouchers.view_cardtemplate"
    viewset = None

    def get(self, request, pk):
        from .models import CardTemplate

        template = get_object_or_404(CardTemplate, pk=pk)
        pdf = printing.cards_pdf(
            printing.sample_vouchers(), layout="a4", per_page=6, template_body=template.body
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="card-preview.pdf"'
        return response
