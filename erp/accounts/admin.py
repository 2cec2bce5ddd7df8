from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("ViorNet"), {"fields": ("phone", "language", "site_scope")}),
    )
    filter_horizontal = ("groups", "user_permissions", "site_scope")
