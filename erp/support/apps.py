from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "erp.support"
    label = "support"
    verbose_name = _("Support")

    def ready(self) -> None:
        # An inbound SMS that is not a keyword opens or continues a ticket (erp.messaging
        # announces it; it never imports this app).
        from erp.core import events

        from . import subscribers

        events.subscribe("messaging.sms_received", subscribers.on_sms_received)
        # the site's fault repaired: its incidents close, the linked tickets' owners are told
        events.subscribe("maintenance.fault_closed", subscribers.on_fault_closed)
