from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "erp.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from erp.core import events

        from .events import EXPENSE_WAITING
        from .notices import on_expense_waiting

        # an expense waiting for approval tells its approvers (subscribing twice is a no-op)
        events.subscribe(EXPENSE_WAITING, on_expense_waiting)
