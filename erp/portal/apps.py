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

        # The router sync's walled garden lets the payment providers' hosts through.
        from erp.mikrotik.services import walled_garden_sources
        from erp.payments.selectors import walled_garden_hosts

        if walled_garden_hosts not in walled_garden_sources:
            walled_garden_sources.append(walled_garden_hosts)

        # The usage poll's read of each router's active list ends and meters our sessions.
        from erp.mikrotik.services import active_listeners

        if services.record_mikrotik_active not in active_listeners:
            active_listeners.append(services.record_mikrotik_active)
