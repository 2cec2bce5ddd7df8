"""Categories are edited here by Super Admin (the classifier's slugs stay); tickets are read
here and worked through the Support pages and services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Category, Incident, SiteHours, SlaPolicy, Ticket


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "team", "default_priority", "active")
    list_editable = ("team", "default_priority", "active")
    list_filter = ("team", "active")

    def get_readonly_fields(self, request, obj=None):
        # the slug is what the classifier answers: renaming it would orphan the category
        return ("slug",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # tickets keep their category; deactivate instead


class _ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ("number", "subject", "phone", "site", "category", "priority", "status")
    list_filter = ("status", "channel", "priority", "needs_triage")
    search_fields = ("subject", "phone")


@admin.register(Incident)
class IncidentAdmin(_ReadOnly):
    list_display = ("site", "opened_at", "closed_at", "fault")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("priority", "first_response_minutes", "resolution_minutes", "clock")
    list_editable = ("first_response_minutes", "resolution_minutes", "clock")

    def has_delete_permission(self, request, obj=None):
        return False  # every priority keeps a policy


@admin.register(SiteHours)
class SiteHoursAdmin(SimpleHistoryAdmin):
    """A site's business hours (a site without them is open 24/7 for the SLA clock)."""

    list_display = ("site", "time_zone", "week")
