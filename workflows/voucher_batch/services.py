"""Driving the batch process from code (the API): start it for a batch, record a decision.

The UI does the same through the task pages; both end in the same services and the same
process history, so a batch requested by API still waits in the approvers' inbox.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.vouchers import services as voucher_services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import VoucherBatch

from .flows import VoucherBatchFlow
from .models import VoucherBatchProcess


def process_of(batch: VoucherBatch) -> VoucherBatchProcess | None:
    return VoucherBatchProcess.objects.filter(
        flow_class=VoucherBatchFlow, data__batch_id=str(batch.pk)
    ).first()


@transaction.atomic
def start_process(batch: VoucherBatch) -> VoucherBatchProcess:
    VoucherBatchFlow.start_from_api.run(batch=batch)
    return process_of(batch)


@transaction.atomic
def decide(*, actor: User, batch: VoucherBatch, approve: bool, comment: str = "") -> VoucherBatch:
    """Record the decision and complete the process's decision task (then the job starts)."""
    process = process_of(batch)
    if process is None:
        raise ValidationError(_("This batch is not waiting for a decision."))
    # The task is read once the lock is held: of two people deciding at once, the second
    # finds it decided and is told so.
    with VoucherBatchFlow.lock(process.pk):
        task = process.task_set.filter(
            flow_task=VoucherBatchFlow.decide, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).first()
        if task is None:
            raise ValidationError(_("This batch is not waiting for a decision."))
        if not VoucherBatchFlow.decide._not_requester(actor, task):
            raise NotAllowed(_("You cannot approve or reject a batch you requested."))
        activation = VoucherBatchFlow.decide.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(actor)
        activation.start(None)
        batch = voucher_services.decide_batch(
            actor=actor, batch=batch, approve=approve, comment=comment
        )
        activation.execute()
    return batch


def complete_in_stock(batch_id) -> bool:
    """Finish the process's "generate, push, put in stock" task once the batch is in stock.
    Idempotent: a process already past it (or a batch with no process) is left alone."""
    process = VoucherBatchProcess.objects.filter(
        flow_class=VoucherBatchFlow, data__batch_id=str(batch_id)
    ).first()
    if process is None:
        return False
    with transaction.atomic(), VoucherBatchFlow.lock(process.pk):
        if process.batch is None or process.batch.status != BatchStatus.READY:
            return False
        task = process.task_set.filter(
            flow_task=VoucherBatchFlow.wait_in_stock, status=STATUS.NEW
        ).first()
        if task is None:
            return False
        VoucherBatchFlow.wait_in_stock.run(task)
    return True
