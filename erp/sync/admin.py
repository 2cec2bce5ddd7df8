from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AppliedOperation, Conflict, Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "last_seq", "last_push_at", "last_pull_at"]
    search_fields = ["user__username"]
    readonly_fields = ["id", "user", "last_seq", "user_agent", "last_push_at", "last_pull_at"]


@admin.register(AppliedOperation)
class AppliedOperationAdmin(admin.ModelAdmin):
    list_display = ["device", "seq", "op", "entity", "outcome", "received_at"]
    list_filter = ["outcome", "op", "entity"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conflict)
class ConflictAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "user", "entity", "entity_id", "amount", "created_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "kind",
        "operation",
        "user",
        "entity",
        "entity_id",
        "field",
        "server_value",
        "device_value",
        "amount",
        "detail",
    ]
