from django import forms

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
