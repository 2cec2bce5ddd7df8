from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "erp.portal"
    label = "portal"
    verbose_name = _("Captive portal")

    def ready(self) -> None:
        from erp.core import events
        from erp.payments.events import VOUCHER_ISSUED

        from . import services

        # A paid voucher logs its device in from the server (the customer's browser may be
        # gone by the time the provider calls back).
        events.subscribe(VOUCHER_ISSUED, services.on_voucher_issued)
