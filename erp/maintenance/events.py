"""Domain events of maintenance (erp.core.events): other apps subscribe, maintenance never
calls them."""

# A person reported a fault. Payload: fault_id. The SMS app texts the reporter a confirmation.
FAULT_REPORTED = "maintenance.fault_reported"
# A reported fault was verified and closed. Payload: fault_id. The SMS app texts the reporter.
FAULT_CLOSED = "maintenance.fault_closed"
