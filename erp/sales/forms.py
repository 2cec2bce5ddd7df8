"""Forms of the sales pages: remittances, commission rules. Rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.accounts.models import User
from erp.accounts.roles import Role

from .models import CommissionRule, Remittance


def _agents():
    return User.objects.filter(groups__name=Role.AGENT, is_active=True).order_by("username")


class RemittanceForm(forms.ModelForm):
    confirm_over = forms.BooleanField(
        label=_("Record it even if it is more than the agent owes"), required=False
    )

    class Meta:
        model = Remittance
        fields = ["agent", "amount", "method", "reference", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()


class CommissionRuleForm(forms.ModelForm):
    class Meta:
        model = CommissionRule
        fields = ["agent", "package", "site", "percent", "fixed", "is_active"]
        help_texts = {
            "agent": _("Empty: every agent."),
            "site": _("Only for a rule with no agent and no package."),
            "percent": _("Either a percent of the amount paid…"),
            "fixed": _("…or a fixed amount per sale."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()
