from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class FaultStatus(models.TextChoices):
    REPORTED = "reported", _("Reported, waiting for triage")
    ASSIGNED = "assigned", _("Assigned to a technician")
    REPAIRED = "repaired", _("Repaired, waiting for verification")
    CLOSED = "closed", _("Closed")


class FaultSource(models.TextChoices):
    MANUAL = "manual", _("Reported by a person")
    MONITORING = "monitoring", _("Router or access point down (monitoring)")


class VerifyDecision(models.TextChoices):
    CONFIRM = "confirm", _("Service is back: close the fault")
    REPAIR_AGAIN = "repair", _("Not fixed: send back to repair")
