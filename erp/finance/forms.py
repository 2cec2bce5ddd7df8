"""Forms of the finance pages; the rules (thresholds, permissions, periods) are in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Expense, ScheduledExport
from .reports import reports_for


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


class ScheduledExportForm(forms.ModelForm):
    class Meta:
        model = ScheduledExport
        fields = ["report", "frequency", "format", "recipients", "is_active"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = reports_for(user) if user is not None else []
        self.fields["report"] = forms.ChoiceField(label=_("Report"), choices=choices)


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


class ReportForm(forms.Form):
    """Which report, for which days (the last day included, as people say it)."""

    report = forms.ChoiceField(label=_("Report"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = reports_for(user)
        today = timezone.localdate()
        self.fields["start"].initial = _month_start(today)
        self.fields["last"].initial = today

    def period(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["start"], self.cleaned_data["last"] + dt.timedelta(days=1)
