from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from erp.sites.models import Site
from erp.sites.selectors import sites_visible_to

from .choices import Direction, Priority
from .models import Category, Ticket, TicketMessage


class TicketMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketMessage
        fields = ["id", "direction", "channel", "text", "author", "created_at"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    # null until the ticket is filed; the e-mail is "" for a ticket that came by SMS or desk,
    # so the schema says string (not format email) and nullable category
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "phone",
            "email",
            "client",
            "site",
            "channel",
            "subject",
            "category",
            "priority",
            "confidence",
            "needs_triage",
            "status",
            "duplicate_of",
            "incident",
            "enrichment",
            "extracted",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "first_response_breached",
            "resolution_breached",
            "escalated_at",
            "resolution",
            "resolved_at",
            "closed_at",
            "reopened",
            "rating",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.UUID)
class VisibleSiteField(serializers.PrimaryKeyRelatedField):
    """A site the asking user may see: another site's id is "does not exist", as a forged
    link should be."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Site.objects.none()
        return sites_visible_to(request.user)


class TicketOpenSerializer(serializers.Serializer):
    text = serializers.CharField(
        trim_whitespace=False, allow_blank=True, help_text=_("What the customer reports.")
    )
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    site = VisibleSiteField(required=False, allow_null=True, default=None)


class TicketMessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, allow_blank=True)
    direction = serializers.ChoiceField(
        choices=[Direction.OUT, Direction.NOTE], default=Direction.NOTE
    )


class TicketCategorySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(active=True)
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        help_text=_("Also set the priority; its SLA due times apply from the ticket's opening."),
    )


class TicketPrioritySerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
