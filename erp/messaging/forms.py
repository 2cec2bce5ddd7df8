from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MessageState
from .models import Gateway, Template


class LogFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any"))] + MessageState.choices
    )
    gateway = forms.ModelChoiceField(
        label=_("Gateway"), required=False, queryset=Gateway.objects.all()
    )
    template = forms.ModelChoiceField(
        label=_("Template"), required=False, queryset=Template.objects.all()
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    phone = forms.CharField(label=_("Client phone"), required=False, max_length=40)


class ComposeForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=40)
    text = forms.CharField(
        label=_("Message"), widget=forms.Textarea({"rows": 5, "data-sms-counter": "sms-counter"})
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=Template.objects.filter(kind="marketing", is_active=True),
        empty_label=None,
    )
    site = forms.UUIDField(label=_("Site"), required=False, widget=forms.Select)
    expiring_within_hours = forms.IntegerField(
        label=_("Access ending within (hours)"), required=False, min_value=1, max_value=24 * 60
    )
    bought_since = forms.DateField(
        label=_("Bought since"), required=False, widget=forms.DateInput({"type": "date"})
    )
