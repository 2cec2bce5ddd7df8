from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpenseCategory(models.TextChoices):
    BANDWIDTH = "bandwidth", _("Internet bandwidth")
    RENT = "rent", _("Rent")
    POWER = "power", _("Electricity and fuel")
    EQUIPMENT = "equipment", _("Equipment")
    REPAIRS = "repairs", _("Repairs")
    TRANSPORT = "transport", _("Transport")
    SALARIES = "salaries", _("Salaries")
    OTHER = "other", _("Other")


class ExpenseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
