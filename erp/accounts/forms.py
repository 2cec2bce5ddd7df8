"""Forms of the users' pages: one's own profile and password, and the Super Admin's users."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .roles import Role
from .services import PROFILE_FIELDS


class ProfileForm(forms.ModelForm):
    """What a user may change about themselves; the service checks it again."""

    class Meta:
        model = User
        fields = list(PROFILE_FIELDS)


class UserPasswordForm(forms.Form):
    """The Super Admin sets another user's password: typed twice; the validators run in
    services.reset_password."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("new_password1")
            and data.get("new_password2")
            and data["new_password1"] != data["new_password2"]
        ):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class OwnPasswordChangeForm(UserPasswordForm):
    """Current password and the new one twice (Django's field names); the rules live in
    services.change_own_password."""

    field_order = ["old_password", "new_password1", "new_password2"]

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs.pop("autofocus", None)


class UserForm(forms.ModelForm):
    """A user as the Super Admin edits them: one role and a site scope."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "site_scope",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = self.instance.role


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user changes it on their own password page after signing in."),
    )

    class Meta(UserForm.Meta):
        fields = [f for f in UserForm.Meta.fields if f != "is_active"]
