from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MikrotikConfig(AppConfig):
    name = "erp.mikrotik"
    label = "mikrotik"
    verbose_name = _("MikroTik integration")
