"""Reactions to other apps' facts (registered in apps.py); idempotent, never undo the fact."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from . import services, tasks


def batch_in_stock(sender: Any, batch_id: Any, **kwargs: Any) -> None:
    """A batch is in stock: at a PortaBilling site its vouchers become accounts (a job)."""
    with transaction.atomic():
        batch = services.VoucherBatch.objects.filter(pk=batch_id).only("site_id").first()
        if batch is not None and services.queue_batch(batch_id):
            site_id = str(batch.site_id)
            transaction.on_commit(lambda: tasks.push_site.delay(site_id))


def credit_online_payment(payload: dict[str, Any]) -> None:
    """A paid online sale got its voucher: credit its account (at most once)."""
    credit = services.record_online_credit(
        payment_id=payload["payment_id"], voucher_id=payload["voucher_id"]
    )
    if credit is not None and credit.state == "pending":
        credit_id = credit.pk
        transaction.on_commit(lambda: tasks.apply_credit_task.delay(credit_id))
