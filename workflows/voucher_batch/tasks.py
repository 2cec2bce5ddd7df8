"""The batch job of a process: run it, and finish the process's waiting task when done."""

from __future__ import annotations

from celery import shared_task

from erp.vouchers import services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.tasks import BATCH_JOB_OPTIONS


@shared_task(**BATCH_JOB_OPTIONS)
def run_batch_process(process_pk: int) -> None:
    from viewflow.workflow.status import STATUS

    from .flows import VoucherBatchFlow
    from .models import VoucherBatchProcess

    process = VoucherBatchProcess.objects.get(pk=process_pk)
    batch = services.run_batch_job(process.batch)
    if batch.status != BatchStatus.READY:
        return
    task = process.task_set.filter(
        flow_task=VoucherBatchFlow.wait_in_stock, status=STATUS.NEW
    ).first()
    if task is not None:
        VoucherBatchFlow.wait_in_stock.run(task)
