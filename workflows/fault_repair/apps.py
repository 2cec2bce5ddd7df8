from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaultRepairConfig(AppConfig):
    name = "workflows.fault_repair"
    label = "fault_repair"
    verbose_name = _("Fault to repair")

    def ready(self) -> None:
        from erp.core import events
        from erp.integrations.openwisp.events import DEVICE_HEALTH_CHANGED
        from erp.mikrotik.events import ROUTER_STATUS_CHANGED

        from ..notices import TASK_WAITING, on_task_waiting
        from .services import on_device_health_changed, on_router_status_changed
        from .sync_ops import register

        register()  # the field app's report_fault / record_repair pushes

        # a router down opens a fault (once per outage); back up ends the downtime
        events.subscribe(ROUTER_STATUS_CHANGED, on_router_status_changed)
        # an access point critical in OpenWISP does the same (once per outage)
        events.subscribe(DEVICE_HEALTH_CHANGED, on_device_health_changed)
        # whoever a task of a flow now waits for is told (subscribing twice is a no-op)
        events.subscribe(TASK_WAITING, on_task_waiting)
