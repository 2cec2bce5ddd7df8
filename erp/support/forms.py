from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.sites.selectors import sites_visible_to


class DeskTicketForm(forms.Form):
    """Staff at the desk or on the phone, for a customer."""

    phone = forms.CharField(label=_("Customer phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Customer e-mail"), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=120, required=False)
    # no max_length here: the service refuses an over-long text with its own message
    text = forms.CharField(label=_("What the customer reports"), widget=forms.Textarea)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user).order_by("name")
