from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Payment, ProviderAccount, Reconciliation, WebhookEvent
from .services import save_provider_account


class ProviderAccountForm(forms.ModelForm):
    """Secrets are written, never read back: an empty field keeps the stored one."""

    api_base_url = forms.URLField(label=_("API base URL"), assume_scheme="https")
    api_key = forms.CharField(
        label=_("API key"), required=False, widget=forms.PasswordInput(render_value=False)
    )
    webhook_secret = forms.CharField(
        label=_("webhook secret"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = ProviderAccount
        fields = ["name", "provider", "api_base_url", "currency", "is_active"]

    def save(self, commit=True):
        account = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            account.set_api_key(self.cleaned_data["api_key"])
        if self.cleaned_data.get("webhook_secret"):
            account.set_webhook_secret(self.cleaned_data["webhook_secret"])
        if commit:
            account.save()
        return account


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = ("name", "provider", "currency", "is_active")

    def save_model(self, request, obj, form, change):
        # through the service: a switched provider updates every router's walled garden

        save_provider_account(obj)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("created_at", "site", "package", "amount", "currency", "status", "issue_error")
    list_filter = ("status", "site")
    search_fields = ("=provider_session_id", "=transaction_id")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "session_id")
    readonly_fields = ("account", "event_id", "type", "session_id", "received_at")


@admin.register(Reconciliation)
class ReconciliationAdmin(admin.ModelAdmin):
    list_display = ("day", "account", "checked", "unreachable", "ran_at")
    readonly_fields = ("account", "day", "checked", "differences", "unreachable", "ran_at")

    def has_add_permission(self, request):
        return False
