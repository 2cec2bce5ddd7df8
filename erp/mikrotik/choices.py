from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncState(models.TextChoices):
    PENDING = "pending", _("Waiting to be pushed")
    SYNCED = "synced", _("On the router")
    FAILED = "failed", _("Refused by the router")


class RouterEventKind(models.TextChoices):
    UP = "up", _("Router up")
    DOWN = "down", _("Router down")


HOTSPOT_USERS = "/ip/hotspot/user"
HOTSPOT_PROFILES = "/ip/hotspot/user/profile"
HOTSPOT_ACTIVE = "/ip/hotspot/active"
INTERFACES = "/interface"
