from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    WAVE = "wave", _("Wave Checkout")
    SELCOM = "selcom", _("Selcom Checkout (Tanzania, USSD push)")


class PaymentStatus(models.TextChoices):
    """A payment's life. PAID is the "we owe you" state: the provider took the money and the
    voucher is not issued yet (no stock, router down); it is retried until ISSUED."""

    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for the customer")
    FAILED = "failed", _("Failed")
    PAID = "paid", _("Paid, voucher owed")
    ISSUED = "issued", _("Paid, voucher issued")
    REFUNDING = "refunding", _("Being refunded")
    REFUNDED = "refunded", _("Refunded")


class RefundState(models.TextChoices):
    """A refund asked of the provider. REQUESTED is sent (again, with the same idempotency key)
    until the provider answers; FAILED is the provider's final refusal."""

    REQUESTED = "requested", _("Requested")
    DONE = "done", _("Refunded")
    FAILED = "failed", _("Refused by the provider")


# Minor units per currency (ISO 4217): Wave takes "1000" for XOF, "10.50" for GMD.
CURRENCY_DECIMALS = {"XOF": 0, "UGX": 0, "GMD": 2, "TZS": 0, "KES": 2}
