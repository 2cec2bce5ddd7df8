"""Forms of the finance pages; the rules (thresholds, permissions, periods) are in services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Expense


class ExpenseForm(forms.ModelForm):
    class Meta:
        model = Expense
        fields = ["category", "site", "amount", "spent_on", "payee", "note", "receipt"]
        widgets = {"spent_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"site": _("Empty: head office.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # most expenses are recorded the day they are paid
        if not self.is_bound and self.instance._state.adding:
            self.fields["spent_on"].initial = timezone.localdate()
