from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "erp.sites"
    label = "sites"
    verbose_name = _("Sites")
