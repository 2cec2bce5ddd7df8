from __future__ import annotations

from django import forms

from .models import Channels


class ChannelsForm(forms.ModelForm):
    """How the user is told besides in the app (in-app always)."""

    class Meta:
        model = Channels
        fields = ["by_email", "by_sms", "by_push"]
