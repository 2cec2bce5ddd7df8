"""UI (viewflow) for sites and routers: list, search, filter, detail with history, add, edit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.viewsets import RecordViewset

from . import selectors, services
from .forms import RouterForm, SiteForm
from .models import Router, Site
from .operation import site_operation


class SiteViewset(RecordViewset):
    model = Site
    icon = "place"
    title = _("Sites")
    form_class = SiteForm
    list_columns = ("name", "code", "status", "manager", "address")
    list_filter_fields = ("status",)
    list_search_fields = ("name", "code")
    detail_template_name = "sites/site_detail.html"

    def get_queryset(self, request):
        return selectors.sites_visible_to(request.user)

    def get_detail_context(self, request, site) -> dict:
        """The site's operation (routers, agents, revenue, users online, uptime, open faults),
        each figure as far as the user may see it."""
        user = request.user
        return {
            "operation": site_operation(user, site),
            "sees_sales": user.has_perm("sales.view_sale"),
            "sees_faults": user.has_perm("maintenance.view_fault"),
        }

    def limit_form(self, request, form) -> None:
        form.fields["agents"].queryset = User.objects.filter(
            groups__name=Role.AGENT, is_active=True
        )
        form.fields["manager"].queryset = User.objects.filter(is_active=True).exclude(
            groups__name=Role.AGENT
        )

    def create_object(self, request, form):
        return services.create_site(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.update_site(actor=request.user, site=obj, **form.cleaned_data)


class RouterViewset(RecordViewset):
    model = Router
    icon = "router"
    title = _("Routers")
    form_class = RouterForm
    detail_hidden_fields = ("password_encrypted",)
    list_columns = ("name", "site", "host", "api_port", "status", "last_seen_at")
    list_filter_fields = ("status", "site")
    list_search_fields = ("name", "host")

    def get_queryset(self, request):
        return selectors.routers_visible_to(request.user)

    def limit_form(self, request, form) -> None:
        form.fields["site"].queryset = selectors.sites_visible_to(request.user)

    def create_object(self, request, form):
        return services.create_router(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.update_router(actor=request.user, router=obj, **form.cleaned_data)
