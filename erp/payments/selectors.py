"""Reads of payments."""

from __future__ import annotations

from django.db.models import QuerySet

from .choices import PaymentStatus
from .models import Payment


def owed_payments() -> QuerySet[Payment]:
    """Paid, no voucher yet: what we owe customers (Finance's list; retried every minute)."""
    return (
        Payment.objects.filter(status=PaymentStatus.PAID)
        .select_related("site", "package")
        .order_by("paid_at")
    )
