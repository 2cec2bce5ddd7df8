"""The batch job of a process: run it, and finish the process's waiting task when done."""

from __future__ import annotations

from celery import shared_task

from erp.vouchers import services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.tasks import BATCH_JOB_OPTIONS

from .models import VoucherBatchProcess
from .services import complete_in_stock


@shared_task(**BATCH_JOB_OPTIONS)
def run_batch_process(process_pk: int) -> None:
    process = VoucherBatchProcess.objects.get(pk=process_pk)
    batch = services.run_batch_job(process.batch)
    if batch.status == BatchStatus.READY:
        # Normally done by the batch_ready subscriber; again here for a batch that was
        # already in stock when this message was delivered (again).
        complete_in_stock(batch.pk)
