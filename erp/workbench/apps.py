from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The home page: each role's workbench, read from every app's selectors (and the
    analytics rollups), so it sits above the domain apps."""

    name = "erp.workbench"
    label = "workbench"
    verbose_name = _("Workbench")
