from django import forms
from django.utils.translation import gettext_lazy as _

from erp.core.units import DataSizeField, DurationTextField

from .models import CardTemplate, Package


class PackageForm(forms.ModelForm):
    """Validity and limits typed as people say them ("1 day", "2 h", "500 MB"); the package
    keeps seconds and bytes."""

    validity_seconds = DurationTextField(
        label=_("Validity"),
        min_value=60,
        help_text=_("From first login until the voucher expires: 2 h, 1 day, 1 week."),
    )
    uptime_limit_seconds = DurationTextField(
        label=_("Uptime limit"),
        required=False,
        help_text=_("Online time allowed, e.g. 5 h; empty for no limit."),
    )
    data_limit_bytes = DataSizeField(
        label=_("Data limit"),
        required=False,
        help_text=_("e.g. 500 MB or 1.5 GB (1 GB = 1,000 MB); empty for no limit."),
    )

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
        help_texts = {
            "body": _(
                "Django template of one card: {{ code }}, {{ password }}, {{ organisation }}, "
                "{{ site }}, {{ package }}, {{ price }}, {{ validity }}, {{ qr }} (image source)."
            )
        }


class AssignForm(forms.Form):
    """Hand unused vouchers to an agent: a batch (or a range of its codes), or a count."""

    agent = forms.ModelChoiceField(queryset=None, label=_("Agent"))
    batch = forms.ModelChoiceField(queryset=None, required=False, label=_("Batch"))
    from_code = forms.CharField(required=False, max_length=32, label=_("From code"))
    to_code = forms.CharField(required=False, max_length=32, label=_("To code"))
    package = forms.ModelChoiceField(queryset=None, required=False, label=_("Package"))
    site = forms.ModelChoiceField(queryset=None, required=False, label=_("Site"))
    count = forms.IntegerField(required=False, min_value=1, max_value=100_000, label=_("How many"))
    note = forms.CharField(required=False, max_length=200, label=_("Note"))

    def clean(self):
        data = super().clean()
        by_batch, by_count = bool(data.get("batch")), bool(data.get("count"))
        if by_batch == by_count:
            raise forms.ValidationError(
                _(
                    "Choose a batch (and optionally a range of codes), or a count of a package "
                    "at a site: one of the two."
                )
            )
        if by_count and not (data.get("package") and data.get("site")):
            raise forms.ValidationError(_("A count needs a package and a site."))
        return data
