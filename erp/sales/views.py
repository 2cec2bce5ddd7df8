"""The point of sale for a phone: a big button per package, cash or mobile money, done."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from phonenumber_field.phonenumber import to_python

from erp.sites.choices import RouterStatus
from erp.vouchers.models import Package

from . import receipts, selectors, services

POS_SITE = "pos_site"  # the session key remembering the site the seller is at


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class PosView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Sells from the site the seller is at: a voucher works only on its own site's router.
    A seller with stock at one site never sees a choice; with several, the page asks once and
    remembers the answer (in the session) until changed."""

    permission_required = "sales.add_sale"
    template_name = "sales/pos.html"

    def get(self, request, *args, **kwargs):
        if "site" in request.GET:
            chosen = _uuid(request.GET["site"])
            if chosen and any(s.pk == chosen for s in selectors.selling_sites(request.user)):
                request.session[POS_SITE] = str(chosen)
            else:
                request.session.pop(POS_SITE, None)  # "change site": ask again
            return HttpResponseRedirect(request.path)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sites = selectors.selling_sites(user)
        remembered = _uuid(self.request.session.get(POS_SITE, ""))
        site = next((s for s in sites if s.pk == remembered), None)
        if len(sites) == 1:
            site = sites[0]
        choose = len(sites) > 1 and site is None
        context.update(
            sites=sites,
            pos_site=site,  # not "site": viewflow's pages use that name
            choose_site=choose,
            stock=[] if choose else selectors.sellable_stock(user, site.pk if site else None),
            idempotency_key=uuid.uuid4(),
        )
        return context

    def post(self, request):
        data = request.POST
        try:
            key = uuid.UUID(data.get("idempotency_key", ""))
        except ValueError:
            messages.error(request, _("The form expired; try again."))
            return HttpResponseRedirect(request.path)
        try:
            # A malformed id raises ValidationError here, shown like any other mistake.
            package = (
                Package.objects.filter(pk=data["package"]).first() if data.get("package") else None
            )
            phone = None
            if data.get("client_phone", "").strip():
                phone = to_python(data["client_phone"])
                if not (phone and phone.is_valid()):
                    raise ValidationError({"client_phone": _("Enter a valid phone number.")})
            receipt_phone = ""
            if data.get("receipt_phone", "").strip():
                number = to_python(data["receipt_phone"])
                if not (number and number.is_valid()):
                    raise ValidationError({"receipt_phone": _("Enter a valid phone number.")})
                receipt_phone = str(number)
            sale, _created = services.sell_to_phone(
                seller=request.user,
                site_id=_uuid(data.get("site", "")),
                idempotency_key=key,
                payment_method=data.get("payment_method", ""),
                phone=phone,
                package=package,
                code=data.get("code") or None,
                payment_reference=data.get("payment_reference", ""),
                receipt_phone=receipt_phone,
            )
        except (
            ValidationError,
            services.AlreadySold,
            services.IdempotencyKeyReused,
            services.NotOnRouter,
        ) as exc:
            # The page again with what was typed, each error at its field (a reload would
            # lose the payment method, the phone and the reference).
            context = self.get_context_data(values=data, errors=pos_errors(exc))
            return self.render_to_response(context)
        return HttpResponseRedirect(reverse("pos:receipt", args=[sale.pk]))


POS_FIELDS = ("package", "code", "payment_method", "payment_reference", "client_phone")
POS_FIELD_ALIASES = {"phone": "client_phone", "receipt_phone": "receipt_phone"}


def pos_errors(exc: Exception) -> dict[str, list[str]]:
    """{field: messages} for the POS form; what belongs to no field is under "form"."""
    errors: dict[str, list[str]] = {}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, messages_ in exc.message_dict.items():
            field = POS_FIELD_ALIASES.get(field, field)
            key = field if field in POS_FIELDS or field == "receipt_phone" else "form"
            errors.setdefault(key, []).extend(messages_)
    else:
        errors["form"] = list(getattr(exc, "messages", [str(exc)]))
    return errors


class ReceiptView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "sales.view_sale"
    template_name = "sales/receipt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sales = selectors.sales_visible_to(self.request.user).select_related("voucher__router")
        sale = get_object_or_404(sales, pk=kwargs["pk"])
        router = sale.voucher.router
        context.update(
            sale=sale,
            text=receipts.receipt_text(sale, layout="58mm"),
            # the code is on the router, but a router that is down lets nobody log in now
            router_down=router.status == RouterStatus.DOWN,
            router=router,
        )
        return context


class ReceiptPdfView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "sales.view_sale"

    def get(self, request, pk):
        sale = get_object_or_404(selectors.sales_visible_to(request.user), pk=pk)
        layout = "58mm" if request.GET.get("layout") == "58mm" else "80mm"
        response = HttpResponse(
            receipts.receipt_pdf(sale, layout=layout), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="receipt-{sale.receipt_number}.pdf"'
        return response


class RefundView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Refund a sale from its page, with a reason."""

    permission_required = "sales.add_refund"
    viewset = None

    def post(self, request, pk):
        sale = get_object_or_404(selectors.sales_visible_to(request.user), pk=pk)
        try:
            services.refund_sale(
                actor=request.user, sale=sale, reason=request.POST.get("reason", "")
            )
            messages.success(
                request,
                _("Receipt %(number)s refunded; the voucher is void.")
                % {"number": sale.receipt_number},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[sale.pk]))
