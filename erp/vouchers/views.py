"""Printing from the UI: a batch's cards as PDF, its codes as CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.views import errors_to_form
from erp.sites.selectors import sites_visible_to

from . import printing, selectors, services
from .forms import AssignForm
from .models import CardTemplate, Package


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
        return printing.batch_csv_response(batch)


class BatchResumeView(_BatchFile):
    """The Resume button of a stuck batch: the same service as the API's resume."""

    def post(self, request, pk):
        batch = self.batch()
        try:
            services.resume_batch(actor=request.user, batch=batch)
            messages.success(request, _("The batch's job is queued again."))
        except services.BatchNotStuck as exc:
            messages.error(request, str(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[batch.pk]))


class CardPreviewView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A card template on six sample vouchers (nothing real printed)."""

    permission_required = "vouchers.view_cardtemplate"
    viewset = None

    def get(self, request, pk):
        template = get_object_or_404(CardTemplate, pk=pk)
        pdf = printing.cards_pdf(
            printing.sample_vouchers(), layout="a4", per_page=6, template_body=template.body
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="card-preview.pdf"'
        return response


class AssignView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Sales hand stock to an agent (from office stock, or from another agent)."""

    permission_required = "vouchers.change_voucher"
    template_name = "vouchers/assign.html"
    viewset = None

    def get_form(self, form_class=None):
        form = AssignForm(**self.get_form_kwargs())
        form.fields["agent"].queryset = User.objects.filter(groups__name=Role.AGENT, is_active=True)
        form.fields["batch"].queryset = selectors.batches_visible_to(self.request.user)
        form.fields["package"].queryset = Package.objects.filter(is_active=True)
        form.fields["site"].queryset = sites_visible_to(self.request.user)
        return form

    def form_valid(self, form):
        d = form.cleaned_data
        chosen = selectors.stock_selection(
            self.request.user,
            batch=d["batch"],
            package=d["package"],
            site=d["site"],
            count=d["count"],
            from_code=d["from_code"],
            to_code=d["to_code"],
        )
        try:
            moved = services.assign_to_agent(
                actor=self.request.user, agent=d["agent"], vouchers=chosen, note=d["note"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext(
                "%(count)d voucher assigned to %(agent)s.",
                "%(count)d vouchers assigned to %(agent)s.",
                moved,
            )
            % {"count": moved, "agent": d["agent"]},
        )
        return HttpResponseRedirect(self.viewset.reverse("index"))


class VoucherActionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Void a voucher (with a reason) or return it to office stock, from its page."""

    permission_required = "vouchers.change_voucher"
    viewset = None
    action = ""

    def post(self, request, pk):
        voucher = get_object_or_404(selectors.vouchers_visible_to(request.user), pk=pk)
        try:
            if self.action == "void":
                services.void_voucher(
                    actor=request.user, voucher=voucher, reason=request.POST.get("reason", "")[:200]
                )
                messages.success(
                    request,
                    _("%(code)s is void and disabled on the router.") % {"code": voucher.code},
                )
            else:
                moved = services.return_to_office(
                    actor=request.user,
                    vouchers=selectors.vouchers_visible_to(request.user).filter(pk=voucher.pk),
                )
                if not moved:
                    raise ValidationError(_("Only an unused voucher held by an agent returns."))
                messages.success(
                    request, _("%(code)s is back in office stock.") % {"code": voucher.code}
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[voucher.pk]))
