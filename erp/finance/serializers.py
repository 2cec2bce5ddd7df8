from rest_framework import serializers

from .models import Expense


class ExpenseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Expense
        fields = [
            "id",
            "category",
            "site",
            "amount",
            "spent_on",
            "payee",
            "note",
            "receipt",
            "status",
            "recorded_by",
            "decided_by",
            "created_at",
        ]
        read_only_fields = ["id", "status", "recorded_by", "decided_by", "created_at"]


class ExpenseDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
