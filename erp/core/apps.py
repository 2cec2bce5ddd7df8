from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "erp.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from .logging import clear_request_id

        request_finished.connect(clear_request_id, dispatch_uid="erp.core.clear_request_id")
