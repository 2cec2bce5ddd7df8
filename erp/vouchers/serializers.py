from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from erp.accounts.models import User
from erp.sites.models import Site

from .choices import MAX_BATCH, CodeFormat
from .models import Package, Voucher, VoucherBatch, VoucherEvent
from .selectors import stuck_age, stuck_cause


def voucher_ids(**kwargs) -> serializers.ListField:
    """Voucher ids, checked in one query by the view (not one query per id)."""
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=5000, **kwargs
    )


class PackageSerializer(serializers.ModelSerializer):
    sites = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Site.objects.all()
    )
    profile = serializers.CharField(source="profile.name", read_only=True)

    class Meta:
        model = Package
        fields = [
            "id",
            "name",
            "price",
            "validity_seconds",
            "uptime_limit_seconds",
            "data_limit_bytes",
            "rate_limit",
            "shared_users",
            "sites",
            "is_active",
            "profile",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "profile", "created_at", "updated_at"]


class BatchSerializer(serializers.ModelSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_BATCH)
    code_format = serializers.ChoiceField(choices=CodeFormat.choices, default=CodeFormat.SAME)
    stuck = serializers.SerializerMethodField(
        help_text=_("The job shows no progress: Resume queues it again.")
    )
    stuck_for_seconds = serializers.SerializerMethodField()
    stuck_cause = serializers.SerializerMethodField()

    def _age(self, batch):
        return stuck_age(batch)

    def get_stuck(self, batch) -> bool:
        return self._age(batch) is not None

    def get_stuck_for_seconds(self, batch) -> int | None:
        age = self._age(batch)
        return int(age.total_seconds()) if age is not None else None

    def get_stuck_cause(self, batch) -> str:
        return stuck_cause(batch) if self._age(batch) is not None else ""

    class Meta:
        model = VoucherBatch
        fields = [
            "id",
            "package",
            "router",
            "site",
            "quantity",
            "agent",
            "note",
            "code_length",
            "code_prefix",
            "code_format",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_comment",
            "preapproved",
            "generated_count",
            "pushed_count",
            "failed_count",
            "last_error",
            "heartbeat_at",
            "stuck",
            "stuck_for_seconds",
            "stuck_cause",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "site",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_comment",
            "preapproved",
            "generated_count",
            "pushed_count",
            "failed_count",
            "last_error",
            "heartbeat_at",
            "created_at",
        ]
        extra_kwargs = {"code_length": {"required": False}}


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class VoucherSerializer(serializers.ModelSerializer):
    package_name = serializers.CharField(source="package.name", read_only=True)

    class Meta:
        model = Voucher
        fields = [
            "id",
            "code",
            "status",
            "package",
            "package_name",
            "site",
            "router",
            "batch",
            "agent",
            "sold_at",
            "activated_at",
            "expires_at",
            "voided_at",
            "created_at",
        ]
        read_only_fields = fields


class VoucherEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = VoucherEvent
        fields = ["kind", "at", "actor", "note"]


class VoucherDetailSerializer(VoucherSerializer):
    events = VoucherEventSerializer(many=True, read_only=True)

    class Meta(VoucherSerializer.Meta):
        fields = [*VoucherSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    """Which unused vouchers: a batch, explicit ids, or a count of a package at a site."""

    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    batch = serializers.PrimaryKeyRelatedField(queryset=VoucherBatch.objects.all(), required=False)
    vouchers = voucher_ids(required=False)
    package = serializers.PrimaryKeyRelatedField(queryset=Package.objects.all(), required=False)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False)
    count = serializers.IntegerField(min_value=1, max_value=MAX_BATCH, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs):
        ways = [bool(attrs.get("batch")), bool(attrs.get("vouchers")), bool(attrs.get("count"))]
        if sum(ways) != 1:
            raise serializers.ValidationError(
                _("Choose the vouchers one way: a batch, a list of vouchers, or a count.")
            )
        if attrs.get("count") and not (attrs.get("package") and attrs.get("site")):
            raise serializers.ValidationError({"count": _("A count needs a package and a site.")})
        return attrs


class ReturnSerializer(serializers.Serializer):
    vouchers = voucher_ids(allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class PrintSerializer(serializers.Serializer):
    vouchers = voucher_ids(allow_empty=False)
    layout = serializers.ChoiceField(choices=["a4", "58mm", "80mm"], default="a4")
    per_page = serializers.IntegerField(min_value=1, max_value=40, default=12)
