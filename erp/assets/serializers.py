from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from erp.sites.models import Site

from .choices import AssetCondition, AssetStatus
from .models import Asset, AssetMovement, AssetType
from .selectors import asset_timeline


class AssetTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetType
        fields = ["id", "name", "code", "has_mac"]


class AssetSerializer(serializers.ModelSerializer):
    """Status and site are read-only here: they change through ``move/``."""

    asset_type_name = serializers.CharField(source="asset_type.name", read_only=True)
    site_name = serializers.CharField(
        source="site.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "asset_type",
            "asset_type_name",
            "serial_number",
            "model",
            "vendor",
            "mac_address",
            "purchase_date",
            "purchase_cost",
            "supplier",
            "warranty_end",
            "condition",
            "status",
            "site",
            "site_name",
            "location_note",
            "router",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "site", "created_at", "updated_at"]
        # The service normalises the serial and says a duplicate on the field itself.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not request.user.has_perm("assets.view_asset_value"):
            data.pop("purchase_cost", None)
        return data


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class AssetDetailSerializer(AssetSerializer):
    """One asset with its history as a timeline, newest first."""

    history = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = [*AssetSerializer.Meta.fields, "history"]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_history(self, asset):
        return TimelineEntrySerializer(asset_timeline(asset), many=True).data


class AssetMovementSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.__str__", read_only=True, default=None, allow_null=True
    )
    # "" for the movement that registered the asset: a plain string in the schema.
    from_status = serializers.CharField(
        read_only=True,
        help_text=_("The asset's status before the movement; empty when it was added."),
    )

    class Meta:
        model = AssetMovement
        fields = [
            "id",
            "asset",
            "kind",
            "from_site",
            "to_site",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "reason",
        ]
        read_only_fields = fields


class MoveSerializer(serializers.Serializer):
    to_site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True, default=None
    )
    to_status = serializers.ChoiceField(
        choices=AssetStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Default: deployed with a site, in stock without."),
    )
    reason = serializers.CharField(max_length=2000)
    condition = serializers.ChoiceField(
        choices=AssetCondition.choices, required=False, allow_null=True, default=None
    )
    location_note = serializers.CharField(
        max_length=200, required=False, allow_null=True, allow_blank=True, default=None
    )


class InventoryRowSerializer(serializers.Serializer):
    key = serializers.UUIDField(allow_null=True)
    name = serializers.CharField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class InventoryValueSerializer(serializers.Serializer):
    by_site = InventoryRowSerializer(many=True)
    by_type = InventoryRowSerializer(many=True)
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
