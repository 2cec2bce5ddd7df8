from django.db import models
from django.utils.translation import gettext_lazy as _


class GatewayKind(models.TextChoices):
    ANDROID = "android", _("Android phone (SMS Gateway for Android)")
    MODEM = "modem", _("USB GSM modem")
    ROUTER = "router", _("Router LTE modem")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


FINAL_STATES = (MessageState.DELIVERED, MessageState.FAILED, MessageState.EXPIRED)


class MessageKind(models.TextChoices):
    TRANSACTIONAL = "transactional", _("transactional (receipts, reminders)")
    MARKETING = "marketing", _("marketing")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SWAHILI = "sw", _("Swahili")
    FRENCH = "fr", _("French")


class CampaignState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    DONE = "done", _("done")
