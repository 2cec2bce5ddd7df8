from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    MOBILE_MONEY = "mobile", _("Mobile money")


class SaleChannel(models.TextChoices):
    """Where a sale was made: an agent's POS, the office desk, or the customer online (the
    captive portal, paid by mobile money). Commission: agents earn it; online, none."""

    AGENT = "agent", _("Agent")
    DESK = "desk", _("Desk")
    ONLINE = "online", _("Online")
