"""Support tickets: what a customer (or staff for them) reported, its messages, its category.

A ticket is bound to a site when the customer is known (the client's site) or the desk named
one; tickets with no site are the office's (``unsited_to_scoped``: staff narrowed to sites
still see them, as they must triage them). An Incident groups the tickets of one outage at a
site and links the site's open fault instead of multiplying work.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope

from . import hours
from .choices import Channel, Direction, Priority, SlaClock, Team, TicketStatus


class Category(BaseModel):
    """A kind of problem; seeded with the classifier's categories, editable by Super Admin."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    team = models.CharField(
        _("team"), max_length=16, choices=Team.choices, default=Team.CUSTOMER_CARE
    )
    default_priority = models.CharField(
        _("default priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(BaseModel):
    """How fast a ticket of one priority is answered and resolved (the time a ticket waits for
    the customer does not count). The clock runs 24/7, or only in the business hours of the
    ticket's site (``SiteHours``; a site without them is open 24/7). Seeded; Super Admin
    edits them."""

    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"))
    clock = models.CharField(
        _("clock"),
        max_length=8,
        choices=SlaClock.choices,
        default=SlaClock.ALWAYS,
        help_text=_("Count the minutes 24/7, or only in the business hours of the ticket's site."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["first_response_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0)
                & models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="slapolicy_times_sane",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_priority_display()}: "
            f"{self.first_response_minutes} / {self.resolution_minutes} min"
        )


class SiteHours(BaseModel):
    """A site's working hours for support SLAs, in the site's time zone. A site without a row
    is open 24/7 (nothing changes for it)."""

    site = models.OneToOneField(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="support_hours",
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dar_es_Salaam")
    week = models.JSONField(
        _("opening hours"),
        default=dict,
        help_text=_(
            'Per day, e.g. {"mon": "08:00-17:00", "sat": "09:00-13:00"}; a day left out is '
            "closed; 24:00 closes at midnight."
        ),
    )
    history = HistoricalRecords()

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="support.view_ticket")

    class Meta:
        verbose_name = _("site business hours")
        verbose_name_plural = _("site business hours")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.site}: {self.week}"

    def clean(self) -> None:
        hours.parse_zone(self.time_zone)
        hours.parse_week(self.week)

    def as_week(self) -> hours.Week:
        return hours.week_of(self.time_zone, self.week)


class Incident(BaseModel):
    """Many tickets from one site in a short time: one outage, worked once (via its fault)."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="incidents"
    )
    fault = models.ForeignKey(
        "maintenance.Fault",
        verbose_name=_("fault"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
    )
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="support.view_ticket")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["site", "closed_at"], name="incident_site_open_idx")]

    def __str__(self) -> str:
        return f"{self.site} {formats.date_time(self.opened_at)}"


class Ticket(BaseModel):
    """One problem of one customer, from intake to closure."""

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    phone = models.CharField(_("customer phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("customer e-mail"), blank=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=120)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    confidence = models.FloatField(_("classifier confidence"), default=0.0)
    category_corrected = models.BooleanField(
        _("category set by a person"),
        default=False,
        help_text=_("An agent corrected or confirmed the category: the classifier learns it."),
    )
    needs_triage = models.BooleanField(
        _("needs triage"),
        default=False,
        help_text=_("The classifier was not sure: a person files it before it is routed."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    fault = models.ForeignKey(
        "maintenance.Fault",
        verbose_name=_("fault"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text=_(
            "A field ticket at a site whose service is down waits on the site's fault "
            "(its repair is the fault process's)."
        ),
    )
    # What intake found about the customer, frozen at opening (shown on top of the ticket).
    enrichment = models.JSONField(_("customer context"), default=dict, blank=True)
    # Voucher codes, phones, payment references found in the text.
    extracted = models.JSONField(_("found in the text"), default=dict, blank=True)
    opened_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the customer opened it (SMS, portal, e-mail)."),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # SLA (24/7; the time spent waiting for the customer moves both due times forward)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    paused_at = models.DateTimeField(
        _("waiting for the customer since"), null=True, blank=True, editable=False
    )
    waited = models.DurationField(
        _("time spent waiting for the customer"),
        default=timedelta(0),
        editable=False,
        help_text=_("Finished waits; the SLA clock did not run during them."),
    )
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolution_escalated_at = models.DateTimeField(
        _("late resolution escalated at"),
        null=True,
        blank=True,
        help_text=_("A ticket escalates once per deadline: the first response, the resolution."),
    )
    resolution = models.TextField(_("resolution"), max_length=4000, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    history = HistoricalRecords()

    row_scope = RowScope(
        agents_see=AgentRows.NONE, permission="support.view_ticket", unsited_to_scoped=True
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        permissions = [
            ("triage_ticket", _("Can file tickets the classifier was unsure of")),
            ("work_customer_care", _("Works Customer Care tickets")),
            ("work_billing", _("Works Billing Officer tickets")),
            ("work_field", _("Works Field Technician tickets")),
            ("supervise_ticket", _("Leads support: reassigns tickets, receives escalations")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_to_5",
            )
        ]
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="ticket_phone_created_idx"),
            models.Index(fields=["site", "-created_at"], name="ticket_site_created_idx"),
            models.Index(fields=["status", "needs_triage"], name="ticket_status_triage_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def reference(self) -> str:
        """What the customer quotes and e-mail subjects carry: ``#1042``."""
        return f"#{self.number}"

    @property
    def team(self) -> str:
        return self.category.team if self.category_id else Team.CUSTOMER_CARE

    def sla_deadline(self):
        """The next due time not met yet: the first response, then the resolution. None while
        waiting for the customer (the clock is paused) or once resolved."""
        if self.paused_at is not None or self.status not in (
            TicketStatus.NEW,
            TicketStatus.OPEN,
        ):
            return None
        if self.first_responded_at is None and self.first_response_due is not None:
            return self.first_response_due
        return self.resolution_due

    def next_escalation_due(self):
        """When the SLA timer should next escalate: the first-response due time until that was
        escalated, then the resolution due time until that was; None while the clock is paused,
        once resolved, or when both deadlines were escalated."""
        if self.sla_deadline() is None:
            return None
        if (
            self.first_responded_at is None
            and self.first_response_due is not None
            and self.escalated_at is None
        ):
            return self.first_response_due
        return self.resolution_due if self.resolution_escalated_at is None else None


class TicketMessage(BaseModel):
    """A message on a ticket: from the customer, to the customer, or an internal note."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    text = models.TextField(_("text"), max_length=4000)
    # the source record (e.g. "sms:<inbound id>"): a replayed delivery adds nothing twice
    external_ref = models.CharField(_("source"), max_length=80, blank=True, editable=False)
    author = models.ForeignKey(
        "accounts.User",
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    row_scope = RowScope(
        site="ticket__site",
        agents_see=AgentRows.NONE,
        permission="support.view_ticket",
        unsited_to_scoped=True,
    )

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~models.Q(external_ref=""),
                name="ticketmessage_unique_external_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:40]}"


class TicketAttachment(BaseModel):
    """A file the customer sent with a ticket (the portal's "Get help" form): a photo or a PDF,
    checked by its content. Stored under MEDIA_ROOT, which is never served as such: staff who
    may see the ticket get it through ``/support/attachments/<id>/``."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="support/%Y/%m/", max_length=200)
    kind = models.CharField(_("kind"), max_length=8, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    history = HistoricalRecords()

    row_scope = RowScope(
        site="ticket__site",
        agents_see=AgentRows.NONE,
        permission="support.view_ticket",
        unsited_to_scoped=True,
    )

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.file.name

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]

    @property
    def is_image(self) -> bool:
        return self.kind in ("png", "jpeg", "gif", "webp")
