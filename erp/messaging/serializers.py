from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import encoding
from .choices import Language, MessageKind
from .models import Campaign, Message, MessageEvent, Template
from .services import campaign_progress


class MessageEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageEvent
        fields = ["state", "note", "at"]


class MessageSerializer(serializers.ModelSerializer):
    gateway_name = serializers.CharField(source="gateway.name", read_only=True)
    cost = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "phone",
            "text",
            "encoding",
            "parts",
            "kind",
            "state",
            "reason",
            "gateway",
            "gateway_name",
            "client",
            "template",
            "campaign",
            "attempts",
            "created_at",
            "accepted_at",
            "sent_at",
            "delivered_at",
            "cost",
        ]
        read_only_fields = fields

    def get_cost(self, message) -> str | None:
        """Only for those who may see costs (Finance, Super Admin)."""
        user = self.context["request"].user
        if not user.has_perm("messaging.view_sms_cost"):
            return None

        return str(Decimal(settings.SMS_COST_PER_PART) * message.parts)


class MessageDetailSerializer(MessageSerializer):
    history = MessageEventSerializer(source="events", many=True, read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "history"]
        read_only_fields = fields


class SendSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    client = serializers.UUIDField(required=False, allow_null=True)
    text = serializers.CharField(max_length=5000, allow_blank=True, trim_whitespace=False)
    kind = serializers.ChoiceField(choices=MessageKind.choices, default=MessageKind.TRANSACTIONAL)
    already_sent = serializers.BooleanField(
        default=False, help_text=_("Sent by the phone itself while offline: logged, never sent.")
    )
    id = serializers.UUIDField(
        required=False, help_text=_("The field app's id for an offline message (sent once).")
    )


class CountSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=5000)

    def to_representation(self, instance):
        sent, cost = encoding.prepare(instance["text"])
        return {
            "text": sent,
            "encoding": cost.encoding,
            "units": cost.units,
            "parts": cost.parts,
            "remaining": cost.remaining,
        }


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Template
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "text_en",
            "text_sw",
            "text_fr",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class PreviewSerializer(serializers.Serializer):
    client = serializers.UUIDField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class CampaignSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template",
            "audience",
            "state",
            "total",
            "total_parts",
            "created_by",
            "created_at",
            "progress",
        ]
        read_only_fields = ["id", "state", "total", "total_parts", "created_by", "created_at"]

    def get_progress(self, campaign) -> dict | None:
        if self.context.get("view") and self.context["view"].action == "list":
            return None  # one query per row: only on the detail

        return campaign_progress(campaign)


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    template = serializers.PrimaryKeyRelatedField(queryset=Template.objects.filter(is_active=True))
    site = serializers.UUIDField(required=False, allow_null=True)
    package = serializers.UUIDField(required=False, allow_null=True)
    bought_since = serializers.DateTimeField(required=False, allow_null=True)
    expiring_within_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 60
    )
