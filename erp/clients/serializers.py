from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from erp.core.validators import normalize_mac

from .models import Client


class ClientSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField(help_text=_("Any common form; stored and returned in E.164."))

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "phone",
            "mac_address",
            "site",
            "agent",
            "marketing_consent",
            "language",
            "notes",
            "expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "expires_at", "created_at", "updated_at"]

    def validate_mac_address(self, value: str) -> str:
        if not value:
            return value
        try:
            return normalize_mac(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
