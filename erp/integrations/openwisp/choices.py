from django.db import models
from django.utils.translation import gettext_lazy as _


class HealthStatus(models.TextChoices):
    """OpenWISP monitoring's device health statuses."""

    UNKNOWN = "unknown", _("Unknown")
    OK = "ok", _("OK")
    PROBLEM = "problem", _("Problem")
    CRITICAL = "critical", _("Critical")
    DEACTIVATED = "deactivated", _("Deactivated")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    LINKED = "linked", _("Linked to an existing asset")
    CREATED = "created", _("New asset created")


class HealthEventKind(models.TextChoices):
    DOWN = "down", _("Critical (down)")
    UP = "up", _("OK again (up)")
