"""Shapes of the sync API, for the OpenAPI schema (the push is checked per operation)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .choices import ConflictKind, Entity, Op, Outcome
from .models import Conflict


class OperationSerializer(serializers.Serializer):
    device_id = serializers.UUIDField(help_text=_("The device's own UUID (made once, kept)."))
    seq = serializers.IntegerField(min_value=1, help_text=_("1, 2, 3… per device, no gaps."))
    op = serializers.ChoiceField(choices=Op.choices)
    entity = serializers.ChoiceField(choices=Entity.choices)
    id = serializers.UUIDField(help_text=_("The record's UUID, made on the device."))
    payload = serializers.JSONField(
        help_text=_(
            "client create: name, phone, notes, site_id…; client update: "
            "{fields: {...}, base: {...values the device last saw}}; sale sell: code, "
            "payment_method, payment_reference, discount, client_id or client_phone/client_name."
        )
    )
    client_time = serializers.DateTimeField(required=False, help_text=_("The device's clock."))


class PushInputSerializer(serializers.Serializer):
    ops = OperationSerializer(many=True)


class ConflictNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    field = serializers.CharField()
    detail = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    seq = serializers.IntegerField(allow_null=True)
    id = serializers.CharField(required=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(required=False, help_text=_("Why, for a person to read."))
    retry = serializers.BooleanField(
        required=False, help_text=_("Not stored: send it again (after the missing operations).")
    )
    record = serializers.JSONField(required=False, help_text=_("The server's version."))
    flags = serializers.ListField(child=serializers.CharField(), required=False)
    conflicts = ConflictNoteSerializer(many=True, required=False)


class PushOutputSerializer(serializers.Serializer):
    results = ResultSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    entity = serializers.ChoiceField(choices=Entity.choices)
    id = serializers.CharField()
    deleted = serializers.BooleanField(help_text=_("A tombstone: remove it from the device."))
    data = serializers.JSONField(required=False)


class PullOutputSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text=_("Send it back as ?cursor= for the next page."))
    more = serializers.BooleanField(help_text=_("Ask again at once with the new cursor."))
    server_time = serializers.DateTimeField()
    summary = serializers.JSONField(required=False, help_text=_("On the last page: my day."))


class ConflictSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conflict
        fields = [
            "id",
            "kind",
            "user",
            "entity",
            "entity_id",
            "field",
            "server_value",
            "device_value",
            "amount",
            "detail",
            "created_at",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]
        read_only_fields = fields


class SettleInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=300)


class KeyOutputSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=_("Base64, 32 bytes: wraps the device's AES key."))
    offline_days = serializers.IntegerField(help_text=_("Days the app unlocks offline by PIN."))
    pin_min_digits = serializers.IntegerField(help_text=_("The offline PIN's least length."))
    max_push_bytes = serializers.IntegerField(help_text=_("A push body above this is refused."))
    max_push_ops = serializers.IntegerField(help_text=_("At most this many operations a push."))
    user = serializers.CharField()
    technician = serializers.BooleanField(help_text=_("Shows the faults screens."))
    sites = serializers.ListField(child=serializers.DictField(), help_text=_("{id, name} each."))
