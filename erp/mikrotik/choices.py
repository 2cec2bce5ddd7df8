from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncState(models.TextChoices):
    PENDING = "pending", _("Waiting to be pushed")
    SYNCED = "synced", _("On the router")
    FAILED = "failed", _("Refused by the router")


class RouterEventKind(models.TextChoices):
    UP = "up", _("Router up")
    DOWN = "down", _("Router down")
    RESET = "reset", _("Router reset or replaced")


HOTSPOT_USERS = "/ip/hotspot/user"
HOTSPOT_PROFILES = "/ip/hotspot/user/profile"
HOTSPOT_ACTIVE = "/ip/hotspot/active"
INTERFACES = "/interface"


class RouterJobKind(models.TextChoices):
    """Router calls started from a page or the API; a worker runs them (never the request)."""

    TEST = "test", _("Test connection")
    SYNC_PROFILES = "sync_profiles", _("Sync profiles")
    DRIFT_CHECK = "drift_check", _("Check drift")
    DRIFT_REPAIR = "drift_repair", _("Repair drift")
    ACTIVE = "active", _("Read active users")
    KICK = "kick", _("Disconnect a session")


class RouterJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Talking to the router")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
