from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Client


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ("name", "phone", "site", "agent", "expires_at")
    search_fields = ("name", "phone")
    raw_id_fields = ("site", "agent")
    show_full_result_count = False
