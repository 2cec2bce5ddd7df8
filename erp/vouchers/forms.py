from django import forms

from .models import CardTemplate, Package


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = [
            "name",
            "price",
            "validity_seconds",
            "uptime_limit_seconds",
            "data_limit_bytes",
            "rate_limit",
            "shared_users",
            "sites",
            "is_active",
        ]


class CardTemplateForm(forms.ModelForm):
    class Meta:
        model = CardTemplate
        fields = ["name", "body", "is_active"]
