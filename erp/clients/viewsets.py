"""UI (viewflow) for clients; an agent works only with the agent's own clients."""

from __future__ import annotations

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


class ClientViewset(RecordViewset):
    model = Client
    icon = "people"
    title = _("Clients")
    form_class = ClientForm
    list_columns = ("name", "phone", "site", "agent", "expires_at", "created_at")
    list_filter_fields = ("site", "marketing_consent")
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
