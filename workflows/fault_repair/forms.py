from django import forms
from django.utils.translation import gettext_lazy as _

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.assets.models import Asset
from erp.maintenance.choices import Severity, VerifyDecision
from erp.sites.models import Router, Site


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    """Several photos from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportFaultForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    router = forms.ModelChoiceField(
        label=_("Router"), queryset=Router.objects.none(), required=False
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    description = forms.CharField(
        label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    service_down = forms.BooleanField(
        label=_("Internet service at the site is down"), required=False
    )
    assets = forms.ModelMultipleChoiceField(
        label=_("Affected equipment"), queryset=Asset.objects.none(), required=False
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False)


def technicians():
    return User.objects.filter(groups__name=Role.TECHNICAL, is_active=True).order_by("username")


class TriageForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none())


class RepairForm(forms.Form):
    diagnosis = forms.CharField(
        label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    actions = forms.CharField(
        label=_("Actions taken"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    parts_used = forms.CharField(
        label=_("Parts used"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    minutes_spent = forms.IntegerField(label=_("Time spent (minutes)"), min_value=1)
    cost = forms.DecimalField(
        label=_("Cost"), min_value=0, max_digits=14, decimal_places=2, initial=0, required=False
    )
    parts_installed = forms.ModelMultipleChoiceField(
        label=_("Parts put in (from stock)"), queryset=Asset.objects.none(), required=False
    )
    parts_removed = forms.ModelMultipleChoiceField(
        label=_("Parts taken out (go to repair)"), queryset=Asset.objects.none(), required=False
    )


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=VerifyDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Required when sending it back to repair."),
    )
