"""Domain events of sales (erp.core.events): other apps subscribe, sales never calls them."""

# A sale to a known client was recorded. Payload: sale_id, sms_phone (the number the agent
# chose for the receipt SMS, empty: the client's). The SMS app queues the receipt.
SALE_RECORDED = "sales.sale_recorded"
