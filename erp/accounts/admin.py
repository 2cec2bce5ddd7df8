from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import User
from .services import check_keeps_a_super_admin


class GuardedUserChangeForm(UserChangeForm):
    """The admin's user form, refusing to demote or deactivate the last active Super Admin
    (the same rule as the API's `update_user`)."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            groups = cleaned.get("groups")
            try:
                check_keeps_a_super_admin(
                    user=self.instance,
                    is_active=cleaned.get("is_active", self.instance.is_active),
                    roles=[g.name for g in groups] if groups is not None else [],
                )
            except forms.ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error("groups" if field == "role" else field, messages)
        return cleaned


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    form = GuardedUserChangeForm
    list_display = ("username", "first_name", "last_name", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("ViorNet"), {"fields": ("phone", "language", "site_scope")}),
    )
    filter_horizontal = ("groups", "user_permissions", "site_scope")
