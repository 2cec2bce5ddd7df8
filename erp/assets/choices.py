from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetCondition(models.TextChoices):
    NEW = "new", _("New")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    FAULTY = "faulty", _("Faulty")
    RETIRED = "retired", _("Retired")


class AssetStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    DEPLOYED = "deployed", _("Deployed")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


class MovementKind(models.TextChoices):
    """What a movement did, derived by the service from its from/to."""

    RECEIVED = "received", _("Received into stock")
    ASSIGNED = "assigned", _("Assigned to a site")
    MOVED = "moved", _("Moved between sites")
    RETURNED = "returned", _("Returned to stock")
    REPAIR = "repair", _("Sent to repair")
    RETIRED = "retired", _("Retired")


class ImportStatus(models.TextChoices):
    """Where a background asset import is (erp.assets.services.run_import)."""

    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Checking the rows")
    PREVIEWED = "previewed", _("Checked")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
