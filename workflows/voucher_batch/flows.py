"""Voucher batch approval: request → approve or reject (four eyes) → generate and push."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from erp.vouchers.choices import BatchStatus

from ..notices import queue_holders, task_created
from . import views
from .models import VoucherBatchProcess


class DecisionView(flow.View):
    """Four eyes: the requester is never offered the decision, even as Super Admin."""

    @staticmethod
    def _not_requester(user, task) -> bool:
        batch = task.process.batch
        return batch is None or batch.requested_by_id != user.pk

    def can_assign(self, user, task):
        return super().can_assign(user, task) and self._not_requester(user, task)

    def can_execute(self, user, task):
        return super().can_execute(user, task) and self._not_requester(user, task)


class VoucherBatchFlow(flow.Flow):
    process_class = VoucherBatchProcess
    # Two people completing the same task at once, or a timer firing during a completion,
    # take turns on the process row; the second then finds the task done (a clear message).
    lock_impl = SelectForUpdateLock(nowait=False)
    process_title = _("Voucher batches")
    process_description = _("Request vouchers, approve them (four eyes), generate and push them.")

    start = (
        flow.Start(views.RequestBatchView.as_view())
        .Annotation(title=_("Request vouchers"))
        .Permission("vouchers.add_voucherbatch")
        .Next(this.decide)
    )
    start_from_api = (
        flow.StartHandle(this.attach_batch)
        .Annotation(title=_("Requested through the API"))
        .Next(this.decide)
    )
    decide = (
        DecisionView(views.DecideBatchView.as_view())
        # The queue's "Brief" names the case: "50 × 1 Hour @ Kariakoo router by Baraka".
        .Annotation(
            title=_("Approve or reject"),
            summary_template="{{ process.batch }} {% load i18n %}{% translate 'by' %} "
            "{{ process.batch.requested_by }}",
        )
        .Permission("vouchers.change_voucherbatch")
        .onCreate(task_created)
        .Next(this.check_decision)
    )
    check_decision = (
        flow.If(lambda activation: activation.process.batch.status == BatchStatus.APPROVED)
        .Annotation(title=_("Approved?"))
        .Then(this.generate)
        .Else(this.rejected)
    )
    generate = (
        flow.Function(this.start_job)
        .Annotation(title=_("Start generation"))
        .Next(this.wait_in_stock)
    )
    wait_in_stock = (
        flow.Handle(this.in_stock)
        .Annotation(title=_("Generate, push to the router, put in stock"))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("In stock"))
    rejected = flow.End().Annotation(title=_("Rejected"))

    def attach_batch(self, activation, batch) -> None:
        activation.process.batch_id = str(batch.pk)

    def waiting_for(self, task) -> list:
        """The approvers who see the batch's site (never its requester: the node's four
        eyes)."""
        return queue_holders(task, site=task.process.batch.site)

    def waiting_text(self, task) -> str:
        batch = task.process.batch
        requester = batch.requested_by
        who = (requester.get_full_name() or requester.username) if requester else _("the system")
        return _("Batch waiting for your approval: %(n)s × %(package)s @ %(site)s by %(who)s") % {
            "n": batch.quantity,
            "package": batch.package,
            "site": batch.site,
            "who": who,
        }

    def start_job(self, activation) -> None:
        # Lazy: the task finishes this flow's step (tasks → services → flows), so the flow
        # reaches it only when it queues it.
        from .tasks import run_batch_process  # noqa: PLC0415

        process_pk = activation.process.pk
        transaction.on_commit(lambda: run_batch_process.delay(process_pk))

    def in_stock(self, activation) -> None:
        """Completed by the batch job once every voucher is on the router."""

    def has_view_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and user.has_perm("vouchers.view_voucherbatch")

    def has_manage_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and user.has_perm("vouchers.change_voucherbatch")
