"""Finance pages: expense decisions and receipts (the report pages are analytics.views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View

from erp.core.uploads import content_type_of

from . import services
from .selectors import expenses_visible_to


class ExpenseDecideView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "finance.change_expense"
    viewset = None

    def post(self, request, pk):
        expense = get_object_or_404(expenses_visible_to(request.user), pk=pk)
        approve = request.POST.get("decision") == "approve"
        try:
            services.decide_expense(actor=request.user, expense=expense, approve=approve)
            messages.success(request, _("Approved.") if approve else _("Rejected."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[expense.pk]))


class ExpenseReceiptView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """An expense's receipt file, to those who may see the expense, always as a download with
    the content type of what it is (an uploaded file is never rendered as a page of ours)."""

    permission_required = "finance.view_expense"
    viewset = None

    def get(self, request, pk):
        expense = get_object_or_404(expenses_visible_to(request.user), pk=pk)
        if not expense.receipt:
            raise Http404
        handle = expense.receipt.open("rb")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=expense.receipt.name.rsplit("/", 1)[-1],
            content_type=content_type_of(handle),
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
