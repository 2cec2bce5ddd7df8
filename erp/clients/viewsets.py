"""UI (viewflow) for clients; an agent works only with the agent's own clients."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.viewsets import RecordViewset
from erp.sales.selectors import purchases_of
from erp.sites.selectors import sites_visible_to

from . import selectors, services
from .forms import ClientForm
from .models import Client


class ClientFilter(django_filters.FilterSet):
    """Site, consent, and "access ends within N days" (from now; the home page's tile links
    here with its 7 days)."""

    site = django_filters.ModelChoiceFilter(
        label=_("Site"), queryset=lambda request: sites_visible_to(request.user)
    )
    access_ends_within = django_filters.NumberFilter(
        label=_("Access ends within (days)"), method="ends_within", min_value=0, max_value=3650
    )

    class Meta:
        model = Client
        fields = ["site", "marketing_consent", "access_ends_within"]

    def ends_within(self, queryset, name, value):
        now = timezone.now()
        # as the tile counts them (selectors.access_ending): now ≤ expires_at < now + N days
        return queryset.filter(
            expires_at__gte=now, expires_at__lt=now + dt.timedelta(days=int(value))
        )


class ClientViewset(RecordViewset):
    model = Client
    icon = "people"
    title = _("Clients")
    form_class = ClientForm
    list_columns = ("name", "phone", "site", "agent", "expires_at", "created_at")
    list_filterset_class = ClientFilter
    list_search_fields = ("name", "phone")
    detail_template_name = "clients/client_detail.html"

    def get_queryset(self, request):
        return selectors.clients_visible_to(request.user)

    def limit_form(self, request, form) -> None:
        form.fields["site"].queryset = sites_visible_to(request.user)
        if request.user.is_agent:
            # An agent's clients are the agent's own: the service sets it.
            form.fields.pop("agent", None)
        else:
            form.fields["agent"].queryset = User.objects.filter(
                groups__name=Role.AGENT, is_active=True
            )

    def create_object(self, request, form):
        return services.create_client(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.update_client(actor=request.user, client=obj, **form.cleaned_data)

    def get_detail_context(self, request, client) -> dict:
        return {
            "purchases": purchases_of(request.user, client)[:100],
            "active": client.expires_at is not None and client.expires_at > timezone.now(),
        }
