from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Router, Site


class SiteSerializer(serializers.ModelSerializer):
    agents = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=get_user_model().objects.all()
    )

    class Meta:
        model = Site
        fields = [
            "id",
            "name",
            "code",
            "latitude",
            "longitude",
            "address",
            "status",
            "manager",
            "agents",
            "notes",
            "wifi_name",
            "login_page",
            "language",
            "time_zone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class RouterSerializer(serializers.ModelSerializer):
    """The password is write-only: it goes in, and nothing ever brings it back out."""

    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
        help_text=(
            _(
                "RouterOS API password. Required on create, and with any change of host, "
                "api_port, username or use_tls; otherwise omit or leave empty to keep."
            )
        ),
    )
    has_password = serializers.BooleanField(read_only=True)

    class Meta:
        model = Router
        fields = [
            "id",
            "site",
            "name",
            "host",
            "api_port",
            "use_tls",
            "tls_verify",
            "legacy_login",
            "username",
            "password",
            "has_password",
            "hotspot_server",
            "status",
            "status_changed_at",
            "last_seen_at",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "status_changed_at",
            "last_seen_at",
            "last_error",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": _("This field is required.")})
        return attrs
