from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenWispConfig(AppConfig):
    name = "erp.integrations.openwisp"
    label = "openwisp"
    verbose_name = _("OpenWISP")
