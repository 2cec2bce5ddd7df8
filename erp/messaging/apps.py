from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "erp.messaging"
    label = "messaging"
    verbose_name = _("SMS")

    def ready(self) -> None:
        # Reactions to other apps' facts (erp.sales never imports this app).
        from erp.core import events

        from . import beat, subscribers  # noqa: F401 - beat registers its Celery tasks

        events.subscribe("sales.sale_recorded", subscribers.on_sale_recorded)
        events.subscribe("sales.remittance_recorded", subscribers.on_remittance_recorded)
        events.subscribe("maintenance.fault_reported", subscribers.on_fault_reported)
        events.subscribe("maintenance.fault_closed", subscribers.on_fault_closed)
        events.subscribe("messaging.modem_announced", subscribers.on_modem_announced)
