"""What the payments API shows: never a provider secret, never the device's hotspot data."""

from __future__ import annotations

from rest_framework import serializers

from .models import Payment, PaymentRefund, ProviderAccount, Reconciliation


class PaymentRefundSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = PaymentRefund
        fields = [
            "id",
            "payment",
            "amount",
            "reason",
            "state",
            "attempts",
            "error",
            "requested_by",
            "requested_by_name",
            "created_at",
            "done_at",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="account.provider", read_only=True)
    site_code = serializers.CharField(source="site.code", read_only=True)
    package_name = serializers.CharField(source="package.name", read_only=True)
    voucher_code = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "provider",
            "site",
            "site_code",
            "package",
            "package_name",
            "amount",
            "currency",
            "status",
            "provider_session_id",
            "transaction_id",
            "phone",
            "sale",
            "voucher_code",
            "paid_at",
            "issued_at",
            "issue_error",
            "issue_attempts",
            "created_at",
        ]
        read_only_fields = fields

    def get_voucher_code(self, payment) -> str | None:
        sale = payment.sale
        return sale.voucher.code if sale is not None else None


class PaymentDetailSerializer(PaymentSerializer):
    refunds = PaymentRefundSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "refunds"]


class PaymentRefundInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ReconciliationSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    differences = serializers.SerializerMethodField()

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "account",
            "account_name",
            "day",
            "checked",
            "unreachable",
            "differences",
            "ran_at",
        ]
        read_only_fields = fields

    def get_differences(self, report) -> list[dict[str, str]]:
        """Only the differences about payments the user may see (a site-scoped user)."""
        visible = self.context.get("visible_payment_ids")
        rows = report.differences
        if visible is None:
            return rows
        return [d for d in rows if d.get("payment") in visible]


class ReconcileInputSerializer(serializers.Serializer):
    account = serializers.PrimaryKeyRelatedField(queryset=ProviderAccount.objects.all())
    day = serializers.DateField()
