"""Facts the router integration announces; other apps subscribe in their ``apps.py``.

Sent with ``send_robust``: a failing subscriber is logged and never undoes the push.
"""

from django.dispatch import Signal

# A push changed rows of a router (some users synced or refused). Arguments: router_id.
users_pushed = Signal()
