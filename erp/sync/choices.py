"""The words of the sync protocol: operations, entities, outcomes, conflict kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Op(models.TextChoices):
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    SELL = "sell", _("sell")
    REPORT_FAULT = "report_fault", _("report a fault")
    RECORD_REPAIR = "record_repair", _("record a repair")
    SEND_SMS = "send_sms", _("send an SMS")


class Entity(models.TextChoices):
    CLIENT = "client", _("client")
    SALE = "sale", _("sale")
    VOUCHER = "voucher", _("voucher")
    PACKAGE = "package", _("package")
    FAULT = "fault", _("fault")


# Which operations a device may push on which entity (the rest are read-only on the device).
ALLOWED_OPS = {
    Entity.CLIENT: {Op.CREATE, Op.UPDATE, Op.DELETE},
    # send_sms: the receipt SMS of one of the agent's sales (its id is the sale's)
    Entity.SALE: {Op.SELL, Op.SEND_SMS},
    # applied by handlers a higher layer registers (workflows.fault_repair: the fault process)
    Entity.FAULT: {Op.REPORT_FAULT, Op.RECORD_REPAIR},
}


class Outcome(models.TextChoices):
    APPLIED = "applied", _("applied")
    REJECTED = "rejected", _("rejected")
    CONFLICT = "conflict", _("conflict")


class ConflictKind(models.TextChoices):
    CLIENT_FIELD = "client_field", _("client field overwritten")
    DUPLICATE_CLIENT = "duplicate_client", _("client already filed")
    VOUCHER_UNAVAILABLE = "voucher_unavailable", _("sale of a voucher no longer for sale")
    CLOCK_SKEW = "clock_skew", _("device clock out of range")


# Kinds that involve money the agent took: Finance settles them.
MONEY_KINDS = {ConflictKind.VOUCHER_UNAVAILABLE, ConflictKind.CLOCK_SKEW}
