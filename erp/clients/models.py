"""End users who buy internet access at a site."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope
from erp.core.validators import normalize_mac


class Client(BaseModel):
    """A customer, one record per person: known by phone number (E.164, unique across sites),
    optionally by device MAC. ``site`` is where the client was first registered.

    ``agent`` is the agent who registered the client: agents see only their own clients.
    ``expires_at`` is the end of the client's current paid access; the sales services keep it
    (denormalised on purpose: "clients expiring this week" must not scan the sales table).
    """

    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = PhoneNumberField(_("phone"))
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="clients"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clients",
    )
    marketing_consent = models.BooleanField(
        _("agrees to marketing SMS"),
        default=False,
        help_text=_("Reminders about the client's own access are sent regardless."),
    )
    language = models.CharField(
        _("SMS language"),
        max_length=2,
        choices=[("en", _("English")), ("sw", _("Swahili")), ("fr", _("French"))],
        default="sw",
        help_text=_("The language of the SMS the client receives."),
    )
    notes = models.TextField(_("notes"), blank=True)
    expires_at = models.DateTimeField(_("access expires"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    row_scope = RowScope(agent="agent", agents_see=AgentRows.OWN)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["site", "-created_at"], name="client_site_created_idx"),
            models.Index(fields=["agent", "-created_at"], name="client_agent_created_idx"),
            models.Index(fields=["expires_at"], name="client_expires_idx"),
        ]
        constraints = [
            # one record per person: the sales at every site find the client by phone
            models.UniqueConstraint(
                fields=["phone"],
                name="client_unique_phone",
                violation_error_message=_("A client with this phone already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}".strip() if self.name else str(self.phone)

    def clean(self) -> None:
        if self.mac_address:
            try:
                self.mac_address = normalize_mac(self.mac_address)
            except ValidationError as exc:
                raise ValidationError({"mac_address": exc.messages}) from None
