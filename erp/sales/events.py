"""Domain events of sales (erp.core.events): other apps subscribe, sales never calls them."""

# A sale to a known client was recorded. Payload: sale_id, sms_phone (the number the agent
# chose for the receipt SMS, empty: the client's). The SMS app queues the receipt.
SALE_RECORDED = "sales.sale_recorded"

# Finance recorded money an agent handed in. Payload: remittance_id. The SMS app texts the
# agent a receipt.
REMITTANCE_RECORDED = "sales.remittance_recorded"
