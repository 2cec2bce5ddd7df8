from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Router, Site


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "code",
            "status",
            "latitude",
            "longitude",
            "address",
            "manager",
            "agents",
            "notes",
            "wifi_name",
            "login_page",
            "language",
            "time_zone",
        ]


class RouterForm(forms.ModelForm):
    """The password field is never filled in from the database (render_value=False)."""

    password = forms.CharField(
        label=_("API password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        max_length=128,
        help_text=_(
            "Leave empty to keep the stored password; give it again to change the host, port, "
            "username or TLS."
        ),
    )

    class Meta:
        model = Router
        fields = [
            "site",
            "name",
            "host",
            "api_port",
            "use_tls",
            "tls_verify",
            "legacy_login",
            "username",
            "password",
            "hotspot_server",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.has_password:
            self.fields["password"].help_text = _("The password of the router's API user.")

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and not (self.instance and self.instance.has_password):
            raise forms.ValidationError(_("This field is required."))
        return password
