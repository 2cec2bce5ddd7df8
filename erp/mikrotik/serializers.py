from django.urls import reverse
from rest_framework import serializers

from .models import HotspotProfile, RouterEvent, RouterSample
from .services import job_is_lost


class HotspotProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = HotspotProfile
        fields = [
            "id",
            "name",
            "rate_limit",
            "shared_users",
            "session_timeout",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class RouterSampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RouterSample
        fields = [
            "taken_at",
            "active_users",
            "rx_bytes",
            "tx_bytes",
            "cpu_load",
            "free_memory",
            "uptime_seconds",
        ]


class RouterEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RouterEvent
        fields = ["kind", "at", "message"]


class DriftRepairInputSerializer(serializers.Serializer):
    remove_unknown = serializers.BooleanField(default=False)


class KickInputSerializer(serializers.Serializer):
    session_id = serializers.RegexField(r"^\*[0-9A-Fa-f]{1,8}$", max_length=9)


class RouterJobSerializer(serializers.Serializer):
    """A router call run by a worker: poll ``status_url`` until ``status`` is done or failed.

    ``result`` is what the call read, by ``kind``: ``test`` a connection report (ok, identity,
    version, board, cpu_load, uptime, free_memory, total_memory, error); ``sync_profiles``
    added/updated/unchanged profile names; ``drift_check`` a drift report (user names per
    kind: missing_on_router, unknown_on_router, wrong_profile, disabled_differs,
    password_differs, limits_differ, comment_differs, server_differs, should_be_removed; and
    clean); ``drift_repair`` before/push/after; ``active`` the sessions (id, user, address,
    mac_address, uptime_seconds, bytes_in, bytes_out); ``kick`` the session id. ``error``: our
    own words for a failure. ``lost``:
    still open long after it was asked for (no worker ran it); ask again.
    """

    id = serializers.UUIDField()
    router = serializers.UUIDField(source="router_id")
    kind = serializers.CharField()
    status = serializers.CharField()
    result = serializers.JSONField(allow_null=True)
    error = serializers.CharField()
    lost = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.SerializerMethodField()

    def get_lost(self, job) -> bool:
        return job_is_lost(job)

    def get_status_url(self, job) -> str:
        url = reverse("api:router_job", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
