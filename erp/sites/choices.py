from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MAINTENANCE = "maintenance", _("Under maintenance")
    INACTIVE = "inactive", _("Inactive")


class RouterStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    UP = "up", _("Up")
    DOWN = "down", _("Down")


API_PORT = 8728
API_TLS_PORT = 8729
