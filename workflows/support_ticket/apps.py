from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportTicketConfig(AppConfig):
    name = "workflows.support_ticket"
    label = "support_ticket"
    verbose_name = _("Support ticket process")

    def ready(self) -> None:
        from erp.core import events

        from ..notices import TASK_WAITING, on_task_waiting
        from . import services

        # erp.support records the facts and announces them; it never imports this package
        events.subscribe("support.ticket_opened", services.on_ticket_opened)
        events.subscribe("support.ticket_reopened", services.on_ticket_reopened)
        events.subscribe("support.ticket_changed", services.on_ticket_changed)
        # whoever a task of a flow now waits for is told (one subscriber for every flow app)
        events.subscribe(TASK_WAITING, on_task_waiting)
