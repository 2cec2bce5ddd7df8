from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.sites.models import Site

from .choices import AssetCondition
from .models import Asset
from .services import ASSET_FIELDS


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = list(ASSET_FIELDS)  # what the service accepts, in the same order
        widgets = {
            "purchase_date": forms.DateInput(attrs={"type": "date"}),
            "warranty_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired is reached by retiring the asset (a movement), not by editing it.
        self.fields["condition"].choices = [
            c for c in self.fields["condition"].choices if c[0] != AssetCondition.RETIRED
        ]

    def _get_validation_exclusions(self):
        # The service checks the serial (normalised, unique per type) and says a duplicate on
        # the serial field; the form's own check would say it on the form as a whole.
        exclude = super()._get_validation_exclusions()
        exclude.add("serial_number")
        return exclude


class MoveForm(forms.Form):
    """One form for every movement; the choice decides the target status."""

    ASSIGN = "assign"
    STOCK = "stock"
    REPAIR = "repair"
    RETIRE = "retire"
    ACTIONS = [
        (ASSIGN, _("Assign / move to a site")),
        (STOCK, _("Return to stock")),
        (REPAIR, _("Send to repair")),
        (RETIRE, _("Retire")),
    ]

    action = forms.ChoiceField(label=_("What"), choices=ACTIONS)
    to_site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    condition = forms.ChoiceField(
        label=_("Condition now"),
        required=False,
        choices=[("", _("unchanged"))]
        + [c for c in AssetCondition.choices if c[0] != AssetCondition.RETIRED],
    )
    location_note = forms.CharField(label=_("Location note"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns: type, serial_number, model, vendor, mac_address, purchase_date, "
            "purchase_cost, supplier, warranty_end, condition, site (code, optional), "
            "location_note, notes."
        ),
    )
