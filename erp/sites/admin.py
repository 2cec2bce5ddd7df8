from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Router, Site


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "status", "manager")
    list_filter = ("status",)
    search_fields = ("name", "code")
    filter_horizontal = ("agents",)


@admin.register(Router)
class RouterAdmin(SimpleHistoryAdmin):
    """The password is not editable here (it is set from the router form or the API), so
    neither is where the router connects: changing that needs the password again."""

    list_display = ("name", "site", "host", "api_port", "status", "last_seen_at")
    list_filter = ("status",)
    search_fields = ("name", "host")
    readonly_fields = ("status", "last_seen_at")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "host", "api_port", "username", "use_tls") if obj else fields
