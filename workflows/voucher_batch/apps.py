from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoucherBatchConfig(AppConfig):
    name = "workflows.voucher_batch"
    label = "voucher_batch"
    verbose_name = _("Voucher batch approval")

    def ready(self) -> None:
        from erp.core import events
        from erp.vouchers.signals import batch_ready

        from ..notices import TASK_WAITING, on_task_waiting

        # whoever a task of a flow now waits for is told (subscribing twice is a no-op)
        events.subscribe(TASK_WAITING, on_task_waiting)

        batch_ready.connect(_in_stock, dispatch_uid="workflows.voucher_batch.in_stock")


def _in_stock(sender, batch_id, **kwargs) -> None:
    """Whoever put the batch's last voucher on the router (its job, beat, a resumed job), the
    process's waiting task completes."""
    from .services import complete_in_stock

    complete_in_stock(batch_id)
