from rest_framework import serializers

from erp.accounts.models import User
from erp.assets.models import Asset

from .choices import Severity
from .models import Downtime, Fault, RepairLog


class FaultSerializer(serializers.ModelSerializer):
    """A fault as listed; on create (report) site, severity, description, router, assets."""

    sla_seconds_left = serializers.SerializerMethodField()
    photos = serializers.ListField(
        child=serializers.ImageField(), write_only=True, required=False, max_length=10
    )
    assets = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), many=True, required=False
    )

    class Meta:
        model = Fault
        fields = [
            "id",
            "number",
            "site",
            "router",
            "assets",
            "description",
            "severity",
            "service_down",
            "photos",
            "status",
            "source",
            "reported_by",
            "reported_at",
            "assigned_to",
            "due_at",
            "sla_seconds_left",
            "escalated_at",
            "restored_at",
            "closed_at",
            "closed_by",
            "send_back_reason",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "source",
            "reported_by",
            "reported_at",
            "assigned_to",
            "due_at",
            "escalated_at",
            "restored_at",
            "closed_at",
            "closed_by",
            "send_back_reason",
        ]

    def get_sla_seconds_left(self, fault) -> int | None:
        left = fault.sla_left()
        return None if left is None else int(left.total_seconds())


class TriageSerializer(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class VerifySerializer(serializers.Serializer):
    confirm = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RepairLogSerializer(serializers.ModelSerializer):
    parts_installed = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), many=True, required=False
    )
    parts_removed = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), many=True, required=False
    )

    class Meta:
        model = RepairLog
        fields = [
            "id",
            "fault",
            "technician",
            "diagnosis",
            "actions",
            "parts_used",
            "parts_installed",
            "parts_removed",
            "minutes_spent",
            "cost",
            "expense",
            "created_at",
        ]
        read_only_fields = ["id", "technician", "expense", "created_at"]


class DowntimeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Downtime
        fields = ["id", "site", "router", "fault", "started_at", "ended_at"]


class SiteUptimeSerializer(serializers.Serializer):
    site = serializers.UUIDField()
    site_name = serializers.CharField()
    down_seconds = serializers.IntegerField()
    uptime_percent = serializers.FloatField()
    mttr_seconds = serializers.IntegerField(allow_null=True)
