"""Read-mostly admin: faults change through the process and its services, not here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Downtime, Fault, RepairLog


class _ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fault)
class FaultAdmin(_ReadOnly):
    list_display = ("site", "severity", "status", "source", "reported_at", "due_at", "assigned_to")
    list_filter = ("status", "severity", "source")
    search_fields = ("description", "site__name")


@admin.register(RepairLog)
class RepairLogAdmin(_ReadOnly):
    list_display = ("fault", "technician", "minutes_spent", "cost", "created_at")


@admin.register(Downtime)
class DowntimeAdmin(_ReadOnly):
    list_display = ("site", "router", "started_at", "ended_at")
    list_filter = ("site",)
