from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.vouchers.choices import VoucherStatus


class LinkStatus(models.TextChoices):
    UNKNOWN = "unknown", _("not checked yet")
    OK = "ok", _("working")
    ERROR = "error", _("failing")


class AccountState(models.TextChoices):
    PENDING = "pending", _("to create")
    CREATED = "created", _("created")
    FAILED = "failed", _("refused")


class CreditState(models.TextChoices):
    PENDING = "pending", _("to credit")
    APPLIED = "applied", _("credited")
    FAILED = "failed", _("refused")


# The voucher statuses whose PortaBilling account is blocked (void covers refunds).
BLOCKED_VOUCHER_STATUSES = (VoucherStatus.VOID, VoucherStatus.EXPIRED)
