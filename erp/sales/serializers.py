from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from erp.vouchers.models import Package

from .choices import PaymentMethod
from .models import CommissionRule, Remittance, Sale


class SaleInputSerializer(serializers.Serializer):
    """Sell by package (the next unused voucher of the seller's stock) or by code."""

    package = serializers.PrimaryKeyRelatedField(
        queryset=Package.objects.filter(is_active=True), required=False
    )
    code = serializers.CharField(required=False, max_length=40)
    site = serializers.UUIDField(
        required=False,
        help_text=_(
            "The site the seller is at: the voucher comes from its stock (a voucher works "
            "only on its own site's router). Needed by package when the seller holds that package "
            "at more than one site."
        ),
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_reference = serializers.CharField(required=False, allow_blank=True, max_length=64)
    discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, min_value=0
    )
    client_phone = PhoneNumberField(required=False)
    client_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    receipt_phone = PhoneNumberField(
        required=False,
        help_text=_(
            "Send the receipt SMS to this number instead of the client's (the agent's edit)."
        ),
    )

    def validate(self, attrs):
        if bool(attrs.get("package")) == bool(attrs.get("code")):
            raise serializers.ValidationError(_("Give a package or a voucher code (one of them)."))
        return attrs


class IdempotencyMismatchSerializer(serializers.Serializer):
    """422: the Idempotency-Key already made a sale from a different request."""

    detail = serializers.CharField()


class SaleSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="voucher.code", read_only=True)
    password = serializers.CharField(source="voucher.login_password", read_only=True)
    package_name = serializers.CharField(source="package.name", read_only=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "receipt_number",
            "site",
            "seller",
            "client",
            "package",
            "package_name",
            "code",
            "password",
            "price",
            "discount",
            "amount",
            "commission",
            "payment_method",
            "payment_reference",
            "channel",
            "sold_at",
        ]
        read_only_fields = fields


class RefundInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RefundSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sale = serializers.UUIDField(source="sale_id")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    commission_reversed = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField()
    refunded_at = serializers.DateTimeField()


class RemittanceSerializer(serializers.ModelSerializer):
    confirm_over = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("Record it even if it is more than the agent owes."),
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))

    class Meta:
        model = Remittance
        fields = [
            "id",
            "agent",
            "amount",
            "method",
            "reference",
            "note",
            "confirm_over",
            "received_by",
            "received_at",
        ]
        read_only_fields = ["id", "received_by", "received_at"]


class StatementSerializer(serializers.Serializer):
    agent = serializers.UUIDField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    sales_count = serializers.IntegerField()
    sales_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunds_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    collected = serializers.DecimalField(max_digits=14, decimal_places=2)
    commission = serializers.DecimalField(max_digits=14, decimal_places=2)
    remitted = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance_owed = serializers.DecimalField(max_digits=14, decimal_places=2)


class CommissionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionRule
        fields = [
            "id",
            "agent",
            "package",
            "site",
            "percent",
            "fixed",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # the service checks the rule as a whole, with clear messages
