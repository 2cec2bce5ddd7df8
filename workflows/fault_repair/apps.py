from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaultRepairConfig(AppConfig):
    name = "workflows.fault_repair"
    label = "fault_repair"
    verbose_name = _("Fault to repair")
