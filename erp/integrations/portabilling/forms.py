from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PortaBillingSite
from .services import SETTINGS_FIELDS


class SettingsForm(forms.ModelForm):
    """A site's PortaBilling settings; the password is write-only (never shown back)."""

    api_url = forms.URLField(
        label=PortaBillingSite._meta.get_field("api_url").verbose_name,
        help_text=PortaBillingSite._meta.get_field("api_url").help_text,
        assume_scheme="https",
        max_length=200,
    )
    password = forms.CharField(
        label=_("API password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored one (required when the address changes)."),
    )

    class Meta:
        model = PortaBillingSite
        fields = SETTINGS_FIELDS
