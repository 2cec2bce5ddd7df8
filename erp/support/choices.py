from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    DESK = "desk", _("Desk / phone")
    API = "api", _("API")
    PORTAL = "portal", _("Portal")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


class SlaClock(models.TextChoices):
    ALWAYS = "always", _("24/7")
    BUSINESS = "business", _("The site's business hours")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")
    NOTE = "note", _("Internal note")


class Team(models.TextChoices):
    CUSTOMER_CARE = "customer_care", _("Customer Care")
    BILLING = "billing", _("Billing Officer")
    FIELD = "field", _("Field Technician")


# The categories the classifier knows (slugs of the seeded Category rows).
CATEGORY_SLUGS = (
    "no_connection",
    "slow_connection",
    "voucher_not_working",
    "paid_no_voucher",
    "billing_refund",
    "account_login",
    "equipment",
    "complaint",
    "other",
)
