"""The process of one fault; its data is the Fault (the process's artifact)."""

from django.utils.translation import gettext_lazy as _
from viewflow import jsonstore
from viewflow.workflow.models import Process

from erp.maintenance.models import Fault


class FaultRepairProcess(Process):
    """Report → triage and assign → repair → verify (or back to repair). Proxy: the fault
    holds the data, named by id in the process's JSON data (our keys are UUIDs)."""

    fault_id = jsonstore.CharField(max_length=36, blank=True)

    class Meta:
        proxy = True
        verbose_name = _("fault repair process")
        verbose_name_plural = _("fault repair processes")

    def __str__(self) -> str:
        return str(self.fault) if self.fault_id else f"#{self.pk}"

    @property
    def fault(self):
        """Read fresh each time: the flow's gates look at the fault's current status."""
        if not self.fault_id:
            return None
        return (
            Fault.objects.select_related("site", "assigned_to", "reported_by")
            .filter(pk=self.fault_id)
            .first()
        )
