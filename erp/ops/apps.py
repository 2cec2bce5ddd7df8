from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: Prometheus metrics (reading every app's figures, so it sits with the wiring
    above the domain apps), backups and restores."""

    name = "erp.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from . import metrics

        metrics.connect_celery_signals()
