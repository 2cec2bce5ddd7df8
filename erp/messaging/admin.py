"""Admin of SMS: gateways (the password and webhook key write-only, kept encrypted),
templates, and the outbox read-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Campaign, Gateway, InboundMessage, Message, MessageEvent, Template
from .rendering import placeholders_in


class GatewayForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one."),
    )
    webhook_key = forms.CharField(
        label=_("webhook signing key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one."),
    )

    class Meta:
        model = Gateway
        fields = [
            "name",
            "kind",
            "is_active",
            "is_default",
            "site",
            "agent",
            "base_url",
            "username",
            "sim_number",
            "router",
            "port",
            "parts_per_minute",
            "throttle_window_seconds",
        ]

    def save(self, commit=True):
        gateway = super().save(commit=False)
        if self.cleaned_data.get("password"):
            gateway.set_password(self.cleaned_data["password"])
        if self.cleaned_data.get("webhook_key"):
            gateway.set_webhook_key(self.cleaned_data["webhook_key"])
        if commit:
            gateway.save()
        return gateway


@admin.register(Gateway)
class GatewayAdmin(SimpleHistoryAdmin):
    form = GatewayForm
    list_display = ("name", "kind", "is_active", "is_default", "site", "agent", "parts_per_minute")
    list_filter = ("kind", "is_active")


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["code", "name", "kind", "text_en", "text_sw", "text_fr", "is_active"]

    def clean(self):
        data = super().clean()
        for field in ("text_en", "text_sw", "text_fr"):
            if data.get(field):
                try:
                    placeholders_in(data[field])
                except forms.ValidationError as exc:
                    self.add_error(field, exc)
        return data


@admin.register(Template)
class TemplateAdmin(SimpleHistoryAdmin):
    form = TemplateForm
    list_display = ("name", "code", "kind", "is_active")


class EventInline(admin.TabularInline):
    model = MessageEvent
    extra = 0
    can_delete = False
    readonly_fields = ("state", "note", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "phone", "state", "parts", "encoding", "gateway", "campaign")
    list_filter = ("state", "gateway", "kind")
    search_fields = ("=phone",)
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ("name", "template", "total", "total_parts", "created_by", "created_at")
    readonly_fields = ("total", "total_parts", "created_by", "audience", "state")


@admin.register(InboundMessage)
class InboundAdmin(SimpleHistoryAdmin):
    list_display = ("received_at", "phone", "text", "action", "gateway")
    search_fields = ("=phone",)
