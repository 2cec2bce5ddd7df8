"""The domain event deliveries, read-only: what waits, how often it failed, and why."""

from django.contrib import admin

from .models import EventDelivery


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "key", "handler", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("event", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "handler", "last_error")
    readonly_fields = [f.name for f in EventDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
