from django import forms
from django.utils.translation import gettext_lazy as _

from erp.vouchers.models import VoucherBatch


class BatchRequestForm(forms.ModelForm):
    class Meta:
        model = VoucherBatch
        fields = [
            "package",
            "router",
            "quantity",
            "agent",
            "note",
            "code_length",
            "code_prefix",
            "code_format",
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text=_("Required when rejecting."),
    )
