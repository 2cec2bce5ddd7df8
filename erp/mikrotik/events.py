"""The domain events the MikroTik app announces (erp.core.events).

``ROUTER_STATUS_CHANGED``: a poll found a router up after down, or down after up; payload
``{"router_event_id": "<RouterEvent uuid>", "kind": "up" | "down"}``. Maintenance opens a
fault and its downtime on "down" and ends the downtime on "up" (workflows.fault_repair).
"""

ROUTER_STATUS_CHANGED = "mikrotik.router_status_changed"
