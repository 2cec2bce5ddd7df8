"""Forms of the report pages (under Finance): a report and its period, a schedule."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.finance.models import ScheduledExport

from .reports import reports_for


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
