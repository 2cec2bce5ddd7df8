from django.db import models
from django.utils.translation import gettext_lazy as _


class VoucherStatus(models.TextChoices):
    UNUSED = "unused", _("Unused")
    SOLD = "sold", _("Sold")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    VOID = "void", _("Void")


# The only moves a voucher can make; everything else is refused by the services.
TRANSITIONS: dict[str, frozenset[str]] = {
    VoucherStatus.UNUSED: frozenset({VoucherStatus.SOLD, VoucherStatus.VOID}),
    VoucherStatus.SOLD: frozenset(
        {VoucherStatus.ACTIVE, VoucherStatus.EXPIRED, VoucherStatus.VOID}
    ),
    VoucherStatus.ACTIVE: frozenset({VoucherStatus.EXPIRED, VoucherStatus.VOID}),
    VoucherStatus.EXPIRED: frozenset(),
    VoucherStatus.VOID: frozenset(),
}


class BatchStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, waiting to be generated")
    GENERATING = "generating", _("Generating codes")
    PUSHING = "pushing", _("Pushing to the router")
    WAITING_ROUTER = "waiting", _("Waiting for the router")
    READY = "ready", _("In stock")
    FAILED = "failed", _("Failed")


class CodeFormat(models.TextChoices):
    SAME = "same", _("One code: username and password")
    SEPARATE = "separate", _("Username and a separate password")


class VoucherEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned to an agent")
    TRANSFERRED = "transferred", _("Transferred to another agent")
    RETURNED = "returned", _("Returned to office stock")
    SOLD = "sold", _("Sold")
    ACTIVATED = "activated", _("First login")
    EXPIRED = "expired", _("Expired")
    VOIDED = "voided", _("Voided")


# No 0/O, 1/I/L: codes are read aloud and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_BITS = 40
DEFAULT_CODE_LENGTH = 11  # 11 × log2(31) ≈ 54.5 bits
MAX_BATCH = 100_000
