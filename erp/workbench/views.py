"""The home page."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from erp.accounts.roles import Role

from .selectors import workbench


class HomeView(LoginRequiredMixin, TemplateView):
    """The landing page: the workbench of each role the user holds (erp.workbench.selectors)."""

    template_name = "erp/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.now()
        context["today"] = timezone.localdate(now)
        context["roles"] = ", ".join(
            str(Role(name).label) for name in sorted(user.role_names) if name in Role.values
        )
        context["tiles"] = workbench(user, now=now)
        return context
