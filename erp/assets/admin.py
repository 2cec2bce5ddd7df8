"""Admin (Super Admin only): assets are read here; their place and status change only through
the move form or the API, so that every change is a movement."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Asset, AssetMovement, AssetType


@admin.register(AssetType)
class AssetTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "has_mac")


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    list_display = ("serial_number", "asset_type", "status", "site", "condition", "warranty_end")
    list_filter = ("asset_type", "status", "condition")
    search_fields = ("serial_number", "model", "mac_address")
    readonly_fields = ("status", "site")

    def has_add_permission(self, request):
        return False


@admin.register(AssetMovement)
class AssetMovementAdmin(SimpleHistoryAdmin):
    list_display = ("at", "asset", "kind", "from_site", "to_site", "actor")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
