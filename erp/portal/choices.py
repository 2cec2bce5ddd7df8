from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginMethod(models.TextChoices):
    """How a device is let on once its voucher is good."""

    BROWSER = "browser", _("The customer's browser posts to the hotspot (CHAP where on)")
    API = "api", _("The server logs the device in through the RouterOS API")


class Controller(models.TextChoices):
    MIKROTIK = "mikrotik", _("MikroTik hotspot")
    OPENNDS = "opennds", _("openNDS")


class AttemptOutcome(models.TextChoices):
    OK = "ok", _("Accepted")
    WRONG = "wrong", _("Wrong code")
    EXPIRED = "expired", _("Expired or cancelled")
    LOCKED = "locked", _("Refused: too many wrong codes")
