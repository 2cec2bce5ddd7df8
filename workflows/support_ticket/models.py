"""The process of one support ticket; its data is the Ticket."""

from django.utils.translation import gettext_lazy as _
from viewflow import jsonstore
from viewflow.workflow.models import Process

from erp.support.models import Ticket


class SupportTicketProcess(Process):
    """Triage (when the classifier was unsure) → the team works it → resolved → closed after
    the reopen window, or back to the team when the customer writes again. Proxy: the ticket
    holds the data, named by id in the process's JSON data."""

    ticket_id = jsonstore.CharField(max_length=36, blank=True)

    class Meta:
        proxy = True
        verbose_name = _("support ticket process")
        verbose_name_plural = _("support ticket processes")

    def __str__(self) -> str:
        return str(self.ticket) if self.ticket_id else f"#{self.pk}"

    @property
    def breadcrumb_label(self) -> str:
        """What the task pages' breadcrumbs show: the ticket's number, not the process's."""
        ticket = self.ticket
        return ticket.reference if ticket else ""

    @property
    def ticket(self):
        """Read fresh each time: the gates look at the ticket's current state."""
        if not self.ticket_id:
            return None
        return (
            Ticket.objects.select_related("category", "site", "client")
            .filter(pk=self.ticket_id)
            .first()
        )
