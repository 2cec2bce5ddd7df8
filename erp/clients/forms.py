from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Client


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = [
            "name",
            "phone",
            "mac_address",
            "site",
            "agent",
            "marketing_consent",
            "language",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # a new client may leave it to the site (clients.services.create_client)
            language = self.fields["language"]
            language.required = False
            language.choices = [
                ("", _("The site's language")),
                *Client._meta.get_field("language").choices,
            ]
            self.initial["language"] = ""
