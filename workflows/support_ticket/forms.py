from django import forms
from django.utils.translation import gettext_lazy as _

from erp.accounts.models import User
from erp.maintenance.choices import Severity
from erp.support.choices import Priority
from erp.support.models import Category


class TriageForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True).order_by("name"),
        to_field_name="slug",
    )


class WorkForm(forms.Form):
    """One form, four buttons: reply, internal note, ask the customer and wait, resolve.
    Only "resolve" completes the task."""

    ACTIONS = (
        ("reply", _("Reply to the customer")),
        ("note", _("Add an internal note")),
        ("wait", _("Ask and wait for the customer")),
        ("resolve", _("Resolve")),
    )
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput, initial="reply")
    # no max_length: the service refuses an over-long text with its own message
    text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A reply or a resolution goes to the customer by SMS or e-mail."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("action") in ("reply", "note", "resolve")
            and not (data.get("text") or "").strip()
        ):
            self.add_error("text", _("Write the message first."))
        return data


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Give it to"), queryset=User.objects.none())


class PriorityForm(forms.Form):
    """Raise or lower the ticket's priority: its SLA due times follow (services.set_priority)."""

    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class ReportFaultForm(forms.Form):
    """The field team hands the ticket to the fault process (services.report_as_fault)."""

    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MAJOR
    )
    service_down = forms.BooleanField(label=_("The site's internet is down"), required=False)
