"""UI for sales (list, receipt, refund), remittances and commission rules.

Sales and remittances are records of money: they are added, refunded or listed, never edited.
"""

from __future__ import annotations

import datetime as dt
import uuid

import django_filters
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from viewflow.urls import ReadonlyModelViewset
from viewflow.utils import Icon
from viewflow.views import Action

from erp.accounts.models import User
from erp.core.views import RecordDetailView
from erp.core.viewsets import BoundedListView, RecordViewset
from erp.sites.models import Site
from erp.sites.operation import local_midnight
from erp.sites.selectors import sites_visible_to

from . import selectors, services, views
from .forms import CommissionRuleForm, RemittanceForm
from .models import CommissionRule, Remittance, Sale

SELLERS_OFFERED = 200


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return bool(value)


def _sites(request):
    return sites_visible_to(request.user) if request else Site.objects.none()


def _sellers(request):
    """The sellers a user may filter by: an agent only the agent; others the agents of the
    sites they see (and whoever sold there)."""
    if request is None:
        return User.objects.none()
    user = request.user
    if user.is_agent:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(agent_sites__in=sites_visible_to(user)).distinct()


class SaleFilter(django_filters.FilterSet):
    """The sales list's filters; a drill-down (a site's page, a dashboard) links here with the
    same ones: site, seller and the local days of ``sold_at`` (``sold_at_after`` /
    ``sold_at_before``, both included)."""

    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=_sites)
    seller = django_filters.ModelChoiceFilter(label=_("Seller"), queryset=_sellers)
    sold_at_after = django_filters.DateFilter(label=_("Sold from (day)"), method="sold_from")
    sold_at_before = django_filters.DateFilter(label=_("Sold up to (day)"), method="sold_up_to")

    class Meta:
        model = Sale
        fields = ["site", "seller", "sold_at_after", "sold_at_before"]
        fields += ["payment_method", "channel", "package"]

    @property
    def form(self):
        """The filter form, its seller list short enough to render and to read: the chosen
        site's agents, or every seller the user may filter by when they are at most
        ``SELLERS_OFFERED``; else only the seller already chosen (a drill-down's), with a hint
        to pick a site. At 1,000 sites a list of 5,000 agents made the page 1.8 MB and its
        rendering 0.7 s (bench/pages.py). Any seller the user may see is still accepted."""
        form = super().form
        if getattr(self, "_sellers_offered", False):
            return form
        self._sellers_offered = True
        field = form.fields["seller"]
        sellers = field.queryset.order_by("first_name", "last_name", "username")
        site = form.data.get("site") if form.is_bound else None
        if site:
            sellers = sellers.filter(agent_sites=site) if _is_uuid(site) else sellers.none()
        offered = list(sellers[: SELLERS_OFFERED + 1])
        if len(offered) > SELLERS_OFFERED:
            chosen = form.data.get("seller") if form.is_bound else None
            offered = list(field.queryset.filter(pk=chosen)) if _is_uuid(chosen) else []
            field.help_text = _("Choose a site to pick one of its sellers.")
        field.widget.choices = [("", field.empty_label or "---------")] + [
            (str(user.pk), field.label_from_instance(user)) for user in offered
        ]
        return form

    # local days as ranges on sold_at (its index), both days included
    def sold_from(self, queryset, name, value):
        return queryset.filter(sold_at__gte=local_midnight(value))

    def sold_up_to(self, queryset, name, value):
        return queryset.filter(sold_at__lt=local_midnight(value + dt.timedelta(days=1)))


class SaleViewset(ReadonlyModelViewset):
    model = Sale
    icon = "receipt_long"
    title = _("Sales")
    list_view_class = BoundedListView
    list_columns = (
        "sold_at",
        "receipt_number",
        "site",
        "seller",
        "package",
        "amount",
        "payment_method",
        "channel",
        "commission",
    )
    list_filterset_class = SaleFilter
    list_search_fields = ("=voucher__code", "=payment_reference")
    detail_view_class = RecordDetailView
    detail_template_name = "sales/sale_detail.html"

    def get_queryset(self, request):
        return selectors.sales_visible_to(request.user).select_related(
            "site", "seller", "client", "refund"
        )

    def get_detail_context(self, request, sale) -> dict:
        refund = getattr(sale, "refund", None)
        return {
            "refund": refund,
            "can_refund": refund is None and request.user.has_perm("sales.add_refund"),
            "refund_url": self.reverse("refund", args=[sale.pk]),
        }

    def get_detail_page_actions(self, request, obj, *actions):
        receipt = Action(
            name=_("Receipt"),
            url=reverse("pos:receipt", args=[obj.pk]),
            icon=Icon("receipt", class_="material-icons mdc-list-item__graphic"),
        )
        return super().get_detail_page_actions(request, obj, receipt, *actions)

    @property
    def refund_path(self):
        return path("<uuid:pk>/refund/", views.RefundView.as_view(viewset=self), name="refund")


class RemittanceViewset(RecordViewset):
    """Cash handed in by agents; Finance records it, the agent sees the agent's own."""

    model = Remittance
    icon = "savings"
    title = _("Remittances")
    form_class = RemittanceForm
    list_columns = ("received_at", "agent", "amount", "method", "reference", "received_by")
    list_filter_fields = ("method",)

    def get_queryset(self, request):
        return selectors.remittances_visible_to(request.user)

    def has_change_permission(self, user, obj=None):
        return False  # a wrong remittance is corrected by another record, not an edit

    def create_object(self, request, form):
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm_over", False)
        return services.record_remittance(actor=request.user, confirm_over=confirm, **data)


class CommissionRuleViewset(RecordViewset):
    """Who earns what. The most specific active rule wins: agent + package, agent, package,
    site, then the default rule (all empty)."""

    model = CommissionRule
    icon = "percent"
    title = _("Commission rules")
    form_class = CommissionRuleForm
    list_columns = ("agent", "package", "site", "percent", "fixed", "is_active", "updated_at")
    list_filter_fields = ("is_active",)

    def get_queryset(self, request):
        return CommissionRule.objects.select_related("agent", "package", "site")

    def create_object(self, request, form):
        return services.save_commission_rule(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.save_commission_rule(actor=request.user, rule=obj, **form.cleaned_data)
