"""The domain events the OpenWISP integration announces (erp.core.events).

``DEVICE_HEALTH_CHANGED``: monitoring found an access point critical after not being so
("down"), or ok again after an outage ("up"); payload ``{"health_event_id": "<uuid>",
"kind": "down" | "up"}``. The fault process opens one fault per outage on "down" and ends
the downtime on "up" (workflows.fault_repair), as for a router.
"""

DEVICE_HEALTH_CHANGED = "openwisp.device_health_changed"
