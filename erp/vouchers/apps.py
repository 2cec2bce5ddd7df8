from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "erp.vouchers"
    label = "vouchers"
    verbose_name = _("Vouchers")

    def ready(self) -> None:
        from erp.mikrotik.signals import users_pushed

        users_pushed.connect(_recount_batches, dispatch_uid="erp.vouchers.recount_batches")


def _recount_batches(sender, router_id, **kwargs) -> None:
    """A push (beat, drift repair) changed users of a router: its batches recount."""
    from .services import refresh_router_batches

    refresh_router_batches(router_id)
