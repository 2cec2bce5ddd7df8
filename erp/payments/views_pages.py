"""Payments pages for Finance: the list (owed first to the eye), one payment with its history
and refunds (and the refund button), and the reconciliations (read, run one for a day)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from erp.sites.selectors import sites_visible_to

from . import selectors, services
from .choices import PaymentStatus
from .models import ProviderAccount


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", "—"), *PaymentStatus.choices],
    )
    site = forms.ChoiceField(label=gettext_lazy("Site"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=gettext_lazy("Reference or phone"), required=False)


class RefundForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=200)


class ReconcileForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("Provider account"), queryset=ProviderAccount.objects.all()
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise ValidationError(_("A day in the future has no payments."))
        return day


class PaymentListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "payments.view_payment"
    template_name = "payments/list.html"
    viewset = None
    LIMIT = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = selectors.payments_visible_to(user)
        form = PaymentFilterForm(self.request.GET or None)
        form.fields["site"].choices = [("", "—")] + [
            (str(s.pk), s.name) for s in sites_visible_to(user)
        ]
        rows = visible
        if form.is_valid():
            data = form.cleaned_data
            if data["status"]:
                rows = rows.filter(status=data["status"])
            if data["site"]:
                rows = rows.filter(site_id=data["site"])
            if data["since"]:
                rows = rows.filter(created_at__date__gte=data["since"])
            if data["until"]:
                rows = rows.filter(created_at__date__lte=data["until"])
            text = "".join(data["reference"].split())
            if text:
                rows = rows.filter(
                    Q(transaction_id__iexact=text)
                    | Q(provider_session_id=text)
                    | Q(phone__contains=text.lstrip("+"))
                )
        totals = rows.aggregate(
            count=Count("pk"),
            paid=Sum(
                "amount",
                filter=Q(status__in=[PaymentStatus.PAID, PaymentStatus.ISSUED]),
            ),
            owed=Count("pk", filter=Q(status=PaymentStatus.PAID)),
        )
        context.update(
            form=form,
            rows=list(rows.order_by("-created_at")[: self.LIMIT]),
            limit=self.LIMIT,
            totals=totals,
        )
        return context


class PaymentDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "payments.view_payment"
    template_name = "payments/detail.html"
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        payment = get_object_or_404(selectors.payments_visible_to(user), pk=kwargs["pk"])
        context.update(
            payment=payment,
            history=list(payment.history.order_by("history_date")[:50]),
            refunds=list(payment.refunds.select_related("requested_by")),
            can_refund=user.has_perm("payments.refund_payment")
            and payment.status in {PaymentStatus.PAID, PaymentStatus.ISSUED},
            refund_form=kwargs.get("refund_form") or RefundForm(),
        )
        return context


class RefundView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "payments.refund_payment"
    viewset = None

    def post(self, request, pk):
        payment = get_object_or_404(selectors.payments_visible_to(request.user), pk=pk)
        form = RefundForm(request.POST)
        if not form.is_valid():
            flash.error(request, _("Say why the payment is refunded."))
            return HttpResponseRedirect("../")
        try:
            refund = services.refund_payment(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            if refund.state == "done":
                flash.success(request, _("Refunded."))
            elif refund.state == "requested":
                flash.warning(
                    request,
                    _("The provider did not answer; the refund is asked again every minute."),
                )
            else:
                flash.error(request, _("The provider refused: %(error)s") % {"error": refund.error})
        return HttpResponseRedirect("../")


class ReconciliationsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "payments.view_reconciliation"
    template_name = "payments/reconciliations.html"
    viewset = None
    LIMIT = 60

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        reports = list(
            selectors.reconciliations_visible_to(user).order_by("-day", "-ran_at")[: self.LIMIT]
        )
        if user.scoped_sites() is not None:
            # a site-scoped user reads only the differences about their sites' payments
            visible = {
                str(pk) for pk in selectors.payments_visible_to(user).values_list("pk", flat=True)
            }
            for report in reports:
                report.differences = [d for d in report.differences if d["payment"] in visible]
        context.update(
            reports=reports,
            can_run=user.has_perm("payments.add_reconciliation"),
            form=kwargs.get("form")
            or ReconcileForm(initial={"day": timezone.localdate() - timedelta(days=1)}),
        )
        return context

    def post(self, request):
        if not request.user.has_perm("payments.add_reconciliation"):
            return self.handle_no_permission()
        form = ReconcileForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        report = services.reconcile(
            account=form.cleaned_data["account"], day=form.cleaned_data["day"]
        )
        flash.success(
            request,
            _("%(checked)s payments checked, %(found)s differences.")
            % {"checked": report.checked, "found": len(report.differences)},
        )
        return HttpResponseRedirect(request.path)
