from django import forms
from django.utils.translation import gettext_lazy as _

from erp.sites.models import Site


class SettingsForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    base_url = forms.URLField(label=_("OpenWISP address"), max_length=200, assume_scheme="https")
    username = forms.CharField(label=_("API username"), max_length=150)
    password = forms.CharField(
        label=_("API password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one (a new address or user needs it)."),
    )
    timeout_seconds = forms.IntegerField(
        label=_("Timeout (seconds)"), min_value=1, max_value=60, initial=10
    )

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sites is not None:
            self.fields["site"].queryset = sites
