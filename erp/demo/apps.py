from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo a newcomer gets from `make run`: `seed_demo` and `preflight`.

    It sits above every other package (it drives the domain services, the workflows and the
    analytics rollups to make its data), so nothing may import it (see the import contracts).
    """

    name = "erp.demo"
    label = "demo"
    verbose_name = _("Demo")
