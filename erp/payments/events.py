"""The domain events the payments app announces (erp.core.events).

``VOUCHER_ISSUED``: a paid payment got its voucher (an online sale); payload
``{"payment_id", "voucher_id", "site_id", "hotspot": {the device's hotspot variables}}``.
The portal logs the device in on sites whose portal logs in through the RouterOS API.
"""

VOUCHER_ISSUED = "payments.voucher_issued"
