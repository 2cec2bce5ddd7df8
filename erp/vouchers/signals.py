"""Facts the vouchers app announces; other apps (the batch workflow) subscribe in ``apps.py``.

Sent after the change is committed, with ``send_robust``: a failing subscriber is logged and
never undoes the change.
"""

from django.dispatch import Signal

# A batch has every voucher on its router: it is in stock. Arguments: batch_id.
batch_ready = Signal()
