"""The process of one voucher batch; its data is the VoucherBatch (the process's artifact)."""

from django.utils.translation import gettext_lazy as _
from viewflow import jsonstore
from viewflow.workflow.models import Process

from erp.vouchers.models import VoucherBatch


class VoucherBatchProcess(Process):
    """Request → approve (four eyes) → generate and push. Proxy: the batch holds the data.

    The batch is named by id in the process's JSON data (viewflow's artifact key is an
    integer, our keys are UUIDs).
    """

    batch_id = jsonstore.CharField(max_length=36, blank=True)

    class Meta:
        proxy = True
        verbose_name = _("voucher batch process")
        verbose_name_plural = _("voucher batch processes")

    def __str__(self) -> str:
        return str(self.batch) if self.batch_id else f"#{self.pk}"

    @property
    def batch(self):
        """Read fresh each time: the flow's gates look at the batch's current status."""
        return VoucherBatch.objects.filter(pk=self.batch_id).first() if self.batch_id else None
