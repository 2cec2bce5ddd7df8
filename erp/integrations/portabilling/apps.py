from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortaBillingConfig(AppConfig):
    name = "erp.integrations.portabilling"
    label = "portabilling"
    verbose_name = _("PortaBilling")

    def ready(self) -> None:
        from erp.core import events
        from erp.payments.events import VOUCHER_ISSUED
        from erp.vouchers.signals import batch_ready

        from . import subscribers

        batch_ready.connect(subscribers.batch_in_stock, dispatch_uid="portabilling-batch-ready")
        events.subscribe(VOUCHER_ISSUED, subscribers.credit_online_payment)
