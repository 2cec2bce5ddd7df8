"""Opening and continuing tickets: intake from every channel goes through ``open_ticket`` or
``receive_customer_text``, so classification, enrichment, duplicate linking and outage grouping
are the same for the desk, the API and an SMS.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.core import branding, events
from erp.core.exceptions import NotAllowed
from erp.core.uploads import check_upload
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Fault
from erp.messaging import services as messaging
from erp.messaging.models import Template
from erp.messaging.phones import to_e164
from erp.messaging.rendering import render
from erp.notifications.services import escalate_to
from erp.sales.models import Sale
from erp.sales.selectors import site_last_bought_at
from erp.sites.models import Site
from erp.vouchers.choices import VoucherStatus

from . import classifier, extraction, hours, mailbox
from .choices import OPEN_STATUSES, Channel, Direction, Priority, SlaClock, Team, TicketStatus
from .models import (
    Category,
    Incident,
    SiteHours,
    SlaPolicy,
    Ticket,
    TicketAttachment,
    TicketMessage,
)

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # characters of one message (a 50 KB paste is refused, not cut)
DUPLICATE_WINDOW = timedelta(days=1)
CONTINUE_WINDOW = timedelta(days=7)  # an SMS continues an open ticket this recent
OUTAGE_WINDOW = timedelta(minutes=30)
OUTAGE_TICKETS = 3  # this many connection tickets from one site in the window = an incident
OUTAGE_CATEGORIES = ("no_connection", "slow_connection", "equipment")
LAST_PURCHASES = 5

SEED_CATEGORIES: list[tuple[str, str, str, str]] = [
    # slug, name, team, default priority
    ("no_connection", "No connection", Team.FIELD, Priority.HIGH),
    ("slow_connection", "Slow connection", Team.CUSTOMER_CARE, Priority.NORMAL),
    ("voucher_not_working", "Voucher not working", Team.CUSTOMER_CARE, Priority.NORMAL),
    ("paid_no_voucher", "Paid but no voucher", Team.BILLING, Priority.HIGH),
    ("billing_refund", "Billing / refund", Team.BILLING, Priority.NORMAL),
    ("account_login", "Account / login", Team.CUSTOMER_CARE, Priority.NORMAL),
    ("equipment", "Equipment", Team.FIELD, Priority.HIGH),
    ("complaint", "Complaint", Team.CUSTOMER_CARE, Priority.NORMAL),
    ("other", "Other", Team.CUSTOMER_CARE, Priority.LOW),
]


def seed_categories() -> int:
    """Create the classifier's categories that do not exist (never overwrite an edit)."""
    created = 0
    for slug, name, team, priority in SEED_CATEGORIES:
        _obj, new = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "team": team, "default_priority": priority}
        )
        created += new
    return created


def clean_text(text: Any) -> str:
    text = str(text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the problem is.")}, code="empty")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {
                "text": _("At most %(max)d characters (this has %(n)d).")
                % {"max": MAX_TEXT, "n": len(text)}
            },
            code="too_long",
        )
    return text


def clean_phone(phone: Any) -> str:
    """E.164, or ValidationError; an empty phone is allowed (e-mail, desk without one)."""
    if not str(phone or "").strip():
        return ""
    try:
        return to_e164(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


# --- enrichment ------------------------------------------------------------------------------
def find_client(phone: str) -> Client | None:
    """The client with this phone: one record per person across sites (the phone is unique),
    so there is no site's record to prefer; where the person is a customer now is
    ``customer_site``'s question."""
    if not phone:
        return None
    return Client.objects.filter(phone=phone).select_related("site").first()


def customer_site(client: Client | None) -> Site | None:
    """The site a ticket from ``client`` most likely concerns, when its channel gives none:
    the site the client last bought access at, else the site the client was registered at.
    A person who moved from Kariakoo to Mbezi writes about Mbezi's WiFi."""
    if client is None:
        return None
    return site_last_bought_at(client) or client.site


def open_fault(site: Site) -> Fault | None:
    return (
        Fault.objects.filter(site=site)
        .exclude(status=FaultStatus.CLOSED)
        .order_by("-reported_at")
        .first()
    )


def router_down_fault(site: Site) -> Fault | None:
    """The site's open fault with its service down (a router seen down by monitoring, or a
    reported outage): what a field ticket at that site waits on."""
    return (
        Fault.objects.filter(site=site)
        .filter(Q(service_down=True) | Q(router__isnull=False))
        .exclude(status=FaultStatus.CLOSED)
        .order_by("-reported_at")
        .first()
    )


def link_to_site_fault(ticket: Ticket) -> Fault | None:
    """A field ticket at a site whose service is down is handed to the fault process instead
    of being worked twice: it is linked to the site's open router-down fault and gets a note
    (once); the fault's closure notes it again (``fault_closed``). Returns the fault linked
    now, None when there is none or nothing to do. The caller holds the ticket's row."""
    if (
        ticket.fault_id
        or ticket.duplicate_of_id
        or ticket.site_id is None
        or ticket.team != Team.FIELD
        or ticket.status not in OPEN_STATUSES
    ):
        return None
    fault = router_down_fault(ticket.site)
    if fault is None:
        return None
    attach_fault(ticket=ticket, fault=fault)
    return fault


def attach_fault(*, ticket: Ticket, fault: Fault, actor: User | None = None) -> None:
    """Link the ticket and the fault it waits on, with a note on the ticket (once)."""
    ticket.fault = fault
    ticket.save(update_fields=["fault", "updated_at"])
    TicketMessage.objects.get_or_create(
        external_ref=f"fault-linked:{ticket.pk}",
        defaults={
            "ticket": ticket,
            "direction": Direction.NOTE,
            "channel": Channel.DESK,
            "author": actor,
            "text": _(
                "Handed to fault %(fault)s at %(site)s: this ticket waits on its repair. "
                "You get a note here when the fault is repaired and verified."
            )
            % {"fault": fault.reference, "site": fault.site.name},
        },
    )


def enrich(*, client: Client | None, site: Site | None, now: datetime) -> dict[str, Any]:
    """What the agent would otherwise look up: the client, their last purchases and whether
    those vouchers are active, their site and its routers' status now, the site's open fault."""
    data: dict[str, Any] = {"at": now.isoformat()}
    if client is not None:
        data["client"] = {"id": str(client.pk), "name": client.name, "phone": str(client.phone)}
        sales = list(
            Sale.objects.filter(client=client)
            .select_related("package", "voucher")
            .order_by("-created_at")[:LAST_PURCHASES]
        )
        data["purchases"] = [
            {
                "id": str(s.pk),
                "at": s.created_at.isoformat(),
                "package": s.package.name,
                "amount": str(s.amount),
                "voucher": s.voucher.code if s.voucher_id else "",
            }
            for s in sales
        ]
        data["vouchers"] = [
            {
                "code": s.voucher.code,
                "status": s.voucher.status,
                "expires_at": s.voucher.expires_at.isoformat() if s.voucher.expires_at else None,
                "active": s.voucher.status in (VoucherStatus.SOLD, VoucherStatus.ACTIVE)
                and (s.voucher.expires_at is None or s.voucher.expires_at > now),
            }
            for s in sales
            if s.voucher_id
        ]
    if site is not None:
        fault = open_fault(site)
        data["site"] = {
            "id": str(site.pk),
            "name": site.name,
            "routers": [
                {
                    "name": r.name,
                    "status": r.status,
                    "last_seen_at": r.last_seen_at.isoformat() if r.last_seen_at else None,
                }
                for r in site.routers.all()
            ],
            "open_fault": str(fault.pk) if fault else None,
        }
    return data


# --- opening ---------------------------------------------------------------------------------
def _next_number() -> int:
    """The ticket's human number (#1042), from a database sequence: openings at the same moment
    never wait for each other. A rolled-back opening leaves a gap, never a repeat. SQLite
    serialises writes, so max + 1 is safe there."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('support_ticket_number_seq')")
            return int(cursor.fetchone()[0])
    return (Ticket.objects.aggregate(n=Max("number"))["n"] or 0) + 1


DEFAULT_SLA_MINUTES = {  # used when a priority has no SlaPolicy row
    Priority.URGENT: (15, 4 * 60),
    Priority.HIGH: (30, 8 * 60),
    Priority.NORMAL: (120, 24 * 60),
    Priority.LOW: (8 * 60, 72 * 60),
}


def business_week(site: Site | None, priority: str) -> hours.Week | None:
    """The week the SLA clock of a ticket of ``priority`` at ``site`` runs in: the site's
    business hours when its priority's policy says so and the site has them; else None
    (24/7)."""
    if site is None:
        return None
    policy = SlaPolicy.objects.filter(priority=priority).only("clock").first()
    if policy is None or policy.clock != SlaClock.BUSINESS:
        return None
    site_hours = SiteHours.objects.filter(site=site).first()
    return site_hours.as_week() if site_hours is not None else None


def sla_due(priority: str, since: datetime, site: Site | None = None) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket of ``priority`` opened at ``since``
    (at ``site``: in its business hours when the policy counts business time)."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is not None:
        first, resolution = policy.first_response_minutes, policy.resolution_minutes
    else:
        first, resolution = DEFAULT_SLA_MINUTES[Priority(priority)]
    week = business_week(site, priority)
    return (
        hours.add(since, timedelta(minutes=first), week),
        hours.add(since, timedelta(minutes=resolution), week),
    )


def _unpause(ticket: Ticket, now: datetime, *, first: bool = True) -> None:
    """End a wait for the customer: the business time left on each due time at the pause is
    left again from now (24/7: they move by the wait's length). The caller saves."""
    if ticket.paused_at is None:
        return
    week = business_week(ticket.site, ticket.priority)
    ticket.waited += max(now - ticket.paused_at, timedelta(0))
    if first and ticket.first_response_due and ticket.first_responded_at is None:
        ticket.first_response_due = hours.resume(
            ticket.first_response_due, ticket.paused_at, now, week
        )
    if ticket.resolution_due:
        ticket.resolution_due = hours.resume(ticket.resolution_due, ticket.paused_at, now, week)
    ticket.paused_at = None


def _subject(text: str) -> str:
    line = text.splitlines()[0] if text else ""
    return line[:117] + "…" if len(line) > 118 else line


@transaction.atomic
def open_ticket(
    *,
    text: str,
    channel: str,
    phone: str = "",
    email: str = "",
    site: Site | None = None,
    subject: str = "",
    actor: User | None = None,
    now: datetime | None = None,
    external_ref: str = "",
) -> Ticket:
    """Open a ticket: classified, enriched, linked to a duplicate or an outage.

    A second report of the same thing from the same phone within a day is kept (nothing lost)
    but closed as a duplicate of the first, which gets a note; the agent works one ticket.

    ``now``: when the customer wrote (an SMS or e-mail read later carries its own time); the
    ticket is created at that time, so its duplicate and outage windows, its SLA and its age
    all count from one clock."""
    written_at = now
    now = now or timezone.now()
    text = clean_text(text)
    phone = clean_phone(phone)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if actor is not None and not actor.has_perm("support.add_ticket"):
        raise NotAllowed(_("You may not open tickets."))
    if not phone and not email and actor is None:
        raise ValidationError({"phone": _("Give the customer's phone or e-mail.")})
    client = find_client(phone)
    extracted = extraction.extract(text)
    named = _sites_named_in(text)
    extracted["sites"] = [s.name for s in named]
    # the channel's site (a portal's, the desk's choice); else where the customer buys now;
    # else the one site the text names
    site = site or customer_site(client) or (named[0] if len(named) == 1 else None)
    prediction = classifier.classify(text)
    category = Category.objects.filter(slug=prediction.category, active=True).first()
    duplicate = _duplicate_of(phone=phone, category=category, now=now)
    first_due, resolution_due = sla_due(prediction.priority, now, site)
    ticket = Ticket.objects.create(
        first_response_due=None if duplicate else first_due,
        resolution_due=None if duplicate else resolution_due,
        number=_next_number(),
        phone=phone,
        email=email,
        client=client,
        site=site,
        channel=channel,
        subject=(subject or "").strip()[:120] or _subject(text),
        category=category,
        priority=prediction.priority,
        confidence=prediction.confidence,
        needs_triage=prediction.needs_triage or category is None,
        enrichment=enrich(client=client, site=site, now=now),
        extracted=extracted,
        opened_by=actor,
        duplicate_of=duplicate,
        status=TicketStatus.CLOSED if duplicate else TicketStatus.NEW,
        closed_at=now if duplicate else None,
    )
    if written_at is not None:  # auto_now_add stamped the server's clock
        Ticket.objects.filter(pk=ticket.pk).update(created_at=written_at)
        ticket.created_at = written_at
    TicketMessage.objects.create(
        ticket=ticket,
        direction=Direction.IN,
        channel=channel,
        text=text,
        author=actor,
        external_ref=external_ref,
    )
    if duplicate:
        TicketMessage.objects.create(
            ticket=duplicate,
            direction=Direction.NOTE,
            channel=channel,
            text=_("The customer reported this again (ticket #%(n)d): %(text)s")
            % {"n": ticket.number, "text": text[:500]},
        )
    else:
        link_to_site_fault(ticket)
        if site is not None and category is not None and category.slug in OUTAGE_CATEGORIES:
            _group_outage(site=site, now=now)
    events.announce("support.ticket_opened", key=str(ticket.pk), ticket=str(ticket.pk))
    return ticket


def _sites_named_in(text: str) -> list[Site]:
    sites = list(Site.objects.only("pk", "name"))
    names = extraction.site_names(text[:2000], [s.name for s in sites])
    return [s for s in sites if s.name in names]


def _duplicate_of(*, phone: str, category: Category | None, now: datetime) -> Ticket | None:
    if not phone or category is None:
        return None
    return (
        Ticket.objects.filter(
            phone=phone,
            category=category,
            duplicate_of__isnull=True,
            status__in=OPEN_STATUSES,
            created_at__gte=now - DUPLICATE_WINDOW,
        )
        .order_by("created_at")
        .first()
    )


def _group_outage(*, site: Site, now: datetime) -> Incident | None:
    """Many connection tickets from one site within OUTAGE_WINDOW: one incident for all of
    them, linked to the site's open fault (the technicians work the fault, not each ticket)."""
    Site.objects.select_for_update().filter(pk=site.pk).first()  # one grouping per site at once
    recent = Ticket.objects.filter(
        site=site,
        category__slug__in=OUTAGE_CATEGORIES,
        duplicate_of__isnull=True,
        status__in=OPEN_STATUSES,
        created_at__gte=now - OUTAGE_WINDOW,
    )
    if recent.count() < OUTAGE_TICKETS:
        return None
    incident = Incident.objects.filter(site=site, closed_at__isnull=True).first()
    if incident is None:
        incident = Incident.objects.create(site=site, opened_at=now, fault=open_fault(site))
    elif incident.fault_id is None:
        incident.fault = open_fault(site)
        if incident.fault_id:
            incident.save(update_fields=["fault", "updated_at"])
    recent.filter(incident__isnull=True).update(incident=incident, updated_at=now)
    return incident


# --- continuing ------------------------------------------------------------------------------
REOPEN_WINDOW = timedelta(days=7)  # a customer's message reopens a resolved ticket this recent
RATING_WINDOW = timedelta(days=14)  # a bare "1".."5" rates the last resolved ticket this recent
RATING_TEXT = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")


@transaction.atomic
def add_message(
    *,
    ticket: Ticket,
    text: str,
    direction: str,
    channel: str,
    actor: User | None = None,
    external_ref: str = "",
    now: datetime | None = None,
) -> TicketMessage:
    """A message on the ticket. One from the customer ends a wait for them (the SLA clock runs
    again, moved forward by the wait) and reopens a ticket resolved within REOPEN_WINDOW."""
    now = now or timezone.now()
    text = clean_text(text)
    if actor is not None and not actor.has_perm("support.add_ticketmessage"):
        raise NotAllowed(_("You may not write on tickets."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    message = TicketMessage.objects.create(
        ticket=ticket,
        direction=direction,
        channel=channel,
        text=text,
        author=actor,
        external_ref=external_ref,
    )
    if direction == Direction.IN:
        if ticket.status == TicketStatus.WAITING:
            _resume(ticket, now=now, cause=f"msg:{message.pk}")
        elif ticket.status == TicketStatus.RESOLVED and _may_reopen(ticket, now):
            _reopen(ticket, now=now)
    return message


def _may_reopen(ticket: Ticket, now: datetime) -> bool:
    return ticket.resolved_at is not None and now - ticket.resolved_at <= REOPEN_WINDOW


def _resume(ticket: Ticket, *, now: datetime, cause: str) -> None:
    """The wait for the customer ends: both due times move forward by its length."""
    _unpause(ticket, now)
    ticket.status = TicketStatus.OPEN
    ticket.save()
    events.announce("support.ticket_changed", key=f"resume:{cause}", ticket=str(ticket.pk))


def _reopen(ticket: Ticket, *, now: datetime) -> None:
    ticket.status = TicketStatus.OPEN
    ticket.reopened += 1
    ticket.resolved_at = None
    ticket.paused_at = None
    ticket.save()
    events.announce(
        "support.ticket_reopened", key=f"{ticket.pk}:{ticket.reopened}", ticket=str(ticket.pk)
    )


def _last_rateable(phone: str, now: datetime) -> Ticket | None:
    return (
        Ticket.objects.filter(
            phone=phone,
            status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED),
            duplicate_of__isnull=True,
            rating__isnull=True,
            resolved_at__gte=now - RATING_WINDOW,
        )
        .order_by("-resolved_at")
        .first()
    )


def receive_customer_text(
    *,
    phone: str,
    text: str,
    channel: str = Channel.SMS,
    external_ref: str = "",
    now: datetime | None = None,
) -> tuple[Ticket | None, bool]:
    """A text from a customer (an inbound SMS): a bare 1-5 rates their last resolved ticket;
    anything else continues their open ticket of the last week (or reopens one resolved in
    the last week), else opens one. Returns (ticket, opened); (the ticket, False) when
    ``external_ref`` was already received (a replayed delivery)."""
    now = now or timezone.now()
    if external_ref:
        seen = TicketMessage.objects.filter(external_ref=external_ref).select_related("ticket")
        if seen.exists():
            return seen.first().ticket, False
    phone = clean_phone(phone)
    if not phone:
        raise ValidationError({"phone": _("Give the customer's phone.")})
    score = RATING_TEXT.match(str(text or ""))
    if score:
        rated = _last_rateable(phone, now)
        if rated is not None:
            with transaction.atomic():
                rate(ticket=rated, score=int(score.group(1)), now=now)
                TicketMessage.objects.create(
                    ticket=rated,
                    direction=Direction.IN,
                    channel=channel,
                    text=text.strip(),
                    external_ref=external_ref,
                )
            return rated, False
    current = (
        Ticket.objects.filter(
            phone=phone,
            duplicate_of__isnull=True,
            status__in=OPEN_STATUSES,
            updated_at__gte=now - CONTINUE_WINDOW,
        )
        .order_by("-updated_at")
        .first()
    ) or (
        Ticket.objects.filter(
            phone=phone,
            duplicate_of__isnull=True,
            status=TicketStatus.RESOLVED,
            resolved_at__gte=now - REOPEN_WINDOW,
        )
        .order_by("-resolved_at")
        .first()
    )
    if current is not None:
        add_message(
            ticket=current,
            text=text,
            direction=Direction.IN,
            channel=channel,
            external_ref=external_ref,
            now=now,
        )
        return current, False
    ticket = open_ticket(
        text=text, channel=channel, phone=phone, now=now, external_ref=external_ref
    )
    return ticket, True


# --- working a ticket: replies, notes, waiting, resolution, rating ------------------------------
REPLY_TEMPLATE = "support-reply"
RESOLVED_TEMPLATE = "support-resolved"
RATING_SALT = "support.rating"
RATING_LINK_DAYS = 30


def may_work(user: User | None, ticket: Ticket) -> bool:
    """Whether ``user`` works tickets of this ticket's team (Super Admin works all)."""
    return bool(
        user is not None and user.is_authenticated and user.has_perm(f"support.work_{ticket.team}")
    )


def _check_worker(actor: User, ticket: Ticket) -> None:
    if not may_work(actor, ticket) and not actor.has_perm("support.supervise_ticket"):
        raise NotAllowed(_("This ticket is for the %(team)s team.") % {"team": _team_name(ticket)})


def _team_name(ticket: Ticket) -> str:
    return str(Team(ticket.team).label)


def _open_for_work(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Ticket %(ref)s is %(status)s: it cannot be worked on.")
            % {"ref": ticket.reference, "status": ticket.get_status_display().lower()},
            code="not_open",
        )


def rating_token(ticket: Ticket) -> str:
    return signing.dumps(str(ticket.pk), salt=RATING_SALT, compress=True)


def ticket_from_rating_token(token: str) -> Ticket:
    """The ticket a rating link names; ValidationError for a forged, altered or old link."""
    try:
        pk = signing.loads(token, salt=RATING_SALT, max_age=timedelta(days=RATING_LINK_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(_("This rating link has expired."), code="expired") from None
    except signing.BadSignature:
        raise ValidationError(_("This rating link is not valid."), code="bad_link") from None
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise ValidationError(_("This rating link is not valid."), code="bad_link")
    return ticket


def rating_url(ticket: Ticket) -> str:
    return f"{settings.PUBLIC_BASE_URL}/rate/{rating_token(ticket)}/"


def _language(ticket: Ticket) -> str:
    return getattr(ticket.client, "language", "") or "en"


def _send_to_customer(
    ticket: Ticket, *, text: str, template_code: str, source: str, values: dict[str, Any]
) -> str:
    """Send ``text`` to the customer by the ticket's channel: e-mail for a ticket that came by
    e-mail (or has no phone), else SMS from a template. Returns the channel used. A refusal
    (no gateway, an SMS too long for the gateway) is a ValidationError: nothing is recorded."""
    if ticket.email and (ticket.channel == Channel.EMAIL or not ticket.phone):
        email = EmailMessage(
            subject=branding.email_subject(f"[{ticket.reference}] {ticket.subject}"),
            body=branding.email_body(text),
            to=[ticket.email],
            # the customer's answer goes to the support mailbox (read by poll_mailbox)
            reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
            headers={"X-ViorNet-Ticket": str(ticket.number)},
        )
        transaction.on_commit(lambda: _send_email(email, source))
        return Channel.EMAIL
    if not ticket.phone:
        raise ValidationError(_("This ticket has no phone or e-mail to answer."), code="no_address")
    template = Template.objects.filter(code=template_code, is_active=True).first()
    body = render(template.text_for(_language(ticket)), values) if template else text
    try:
        messaging.queue_message(
            phone=ticket.phone,
            text=body,
            client=ticket.client,
            template=template,
            source=source,
            site=ticket.site,
        )
    except messaging.NoGateway:
        raise ValidationError(
            _("No SMS gateway is set up: the customer cannot be answered by SMS."),
            code="no_gateway",
        ) from None
    return Channel.SMS


def _send_email(email, source: str) -> None:
    try:
        email.send()
    except OSError:
        log.exception("ticket e-mail %s not sent", source)


def _values(ticket: Ticket, text: str) -> dict[str, Any]:
    client = ticket.client
    return {
        "client_name": (client.name if client is not None else "") or "",
        "ticket_ref": ticket.reference,
        "reply": text,
        "rating_link": rating_url(ticket),
        "site": ticket.site.name if ticket.site_id else "",
    }


@transaction.atomic
def reply(*, ticket: Ticket, text: str, actor: User, now: datetime | None = None) -> TicketMessage:
    """Answer the customer (SMS or e-mail, from the reply template). The first answer meets
    the first-response SLA; a new ticket becomes open."""
    now = now or timezone.now()
    text = clean_text(text)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_worker(actor, ticket)
    _open_for_work(ticket)
    message = TicketMessage.objects.create(
        ticket=ticket, direction=Direction.OUT, channel=Channel.DESK, text=text, author=actor
    )
    message.channel = _send_to_customer(
        ticket,
        text=text,
        template_code=REPLY_TEMPLATE,
        source=f"ticket-reply:{message.pk}",
        values=_values(ticket, text),
    )
    message.save(update_fields=["channel", "updated_at"])
    _answered(ticket, now)
    return message


def _answered(ticket: Ticket, now: datetime) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        if ticket.first_response_due and now > ticket.first_response_due:
            ticket.first_response_breached = True
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    ticket.save()
    events.announce(
        "support.ticket_changed",
        key=f"answered:{ticket.pk}:{now.isoformat()}",
        ticket=str(ticket.pk),
    )


@transaction.atomic
def add_note(*, ticket: Ticket, text: str, actor: User) -> TicketMessage:
    """An internal note: the customer never sees it."""
    text = clean_text(text)
    _check_worker(actor, ticket)
    return TicketMessage.objects.create(
        ticket=ticket, direction=Direction.NOTE, channel=Channel.DESK, text=text, author=actor
    )


@transaction.atomic
def wait_for_customer(
    *, ticket: Ticket, actor: User, text: str = "", now: datetime | None = None
) -> Ticket:
    """Ask the customer (optional ``text`` is sent as a reply) and pause the SLA clock until
    they answer."""
    now = now or timezone.now()
    if text.strip():
        reply(ticket=ticket, text=text, actor=actor, now=now)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_worker(actor, ticket)
    _open_for_work(ticket)
    if ticket.status == TicketStatus.WAITING:
        return ticket
    ticket.status = TicketStatus.WAITING
    ticket.paused_at = now
    ticket.save()
    events.announce(
        "support.ticket_changed", key=f"wait:{ticket.pk}:{now.isoformat()}", ticket=str(ticket.pk)
    )
    return ticket


@transaction.atomic
def resolve(*, ticket: Ticket, resolution: str, actor: User, now: datetime | None = None) -> Ticket:
    """Resolve: the customer gets the resolution and the rating link (SMS or e-mail). The
    resolution SLA is met or breached now; the ticket closes itself after REOPEN_WINDOW
    unless the customer writes back."""
    now = now or timezone.now()
    resolution = clean_text(resolution)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_worker(actor, ticket)
    _open_for_work(ticket)
    # resolved while waiting: the wait still pauses the clock
    _unpause(ticket, now, first=False)
    message = TicketMessage.objects.create(
        ticket=ticket,
        direction=Direction.OUT,
        channel=Channel.DESK,
        text=resolution,
        author=actor,
    )
    message.channel = _send_to_customer(
        ticket,
        text=_("Ticket %(ref)s is resolved: %(text)s\nHow did we do? Rate us 1-5: %(link)s")
        % {"ref": ticket.reference, "text": resolution, "link": rating_url(ticket)},
        template_code=RESOLVED_TEMPLATE,
        source=f"ticket-resolved:{message.pk}",
        values=_values(ticket, resolution),
    )
    message.save(update_fields=["channel", "updated_at"])
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        if ticket.first_response_due and now > ticket.first_response_due:
            ticket.first_response_breached = True
    if ticket.resolution_due and now > ticket.resolution_due:
        ticket.resolution_breached = True
    ticket.status = TicketStatus.RESOLVED
    ticket.resolution = resolution
    ticket.resolved_at = now
    ticket.save()
    return ticket


@transaction.atomic
def close(*, ticket: Ticket, now: datetime | None = None) -> bool:
    """Close a resolved ticket (the reopen window is over). False when it is not resolved."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status != TicketStatus.RESOLVED:
        return False
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.save()
    return True


@transaction.atomic
def rate(*, ticket: Ticket, score: int, now: datetime | None = None) -> Ticket:
    """The customer's satisfaction, 1-5, once, for a resolved or closed ticket."""
    now = now or timezone.now()
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")}, code="bad_score")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ValidationError(_("This ticket is not resolved yet."), code="not_resolved")
    if ticket.rating is not None:
        raise ValidationError(_("This ticket is already rated. Thank you!"), code="rated")
    ticket.rating = score
    ticket.rated_at = now
    ticket.save()
    return ticket


# --- SLA --------------------------------------------------------------------------------------
def escalation_recipients() -> list[User]:
    """The support leads (holders of ``support.supervise_ticket``) and every Super Admin."""
    users = get_user_model().objects.filter(is_active=True)
    perm = Q(groups__permissions__codename="supervise_ticket") | Q(
        user_permissions__codename="supervise_ticket"
    )
    return list(users.filter(perm | Q(groups__name=Role.SUPER_ADMIN)).distinct().order_by("pk"))


@transaction.atomic
def check_sla(*, ticket: Ticket, url: str = "", now: datetime | None = None) -> bool:
    """A due time passed: record which SLA was missed and escalate to the support leads and
    the Super Admins, once per deadline (a missed first response, later a missed resolution).
    Nothing for a ticket that is waiting, resolved or closed, or whose deadline has not passed
    (it moved). Returns True when it escalated."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in (TicketStatus.NEW, TicketStatus.OPEN) or ticket.paused_at:
        return False
    late_first = (
        ticket.first_responded_at is None
        and ticket.first_response_due is not None
        and now >= ticket.first_response_due
    )
    late_resolution = ticket.resolution_due is not None and now >= ticket.resolution_due
    if not (late_first or late_resolution):
        return False
    ticket.first_response_breached |= late_first
    ticket.resolution_breached |= late_resolution
    # any earlier escalation covered the first response (it is due before the resolution)
    escalate_first = late_first and ticket.escalated_at is None
    escalate_resolution = late_resolution and ticket.resolution_escalated_at is None
    if escalate_first or escalate_resolution:
        ticket.escalated_at = ticket.escalated_at or now
    if escalate_resolution:
        ticket.resolution_escalated_at = now
    ticket.save()
    if not (escalate_first or escalate_resolution):
        return False

    def text() -> str:  # in each reader's language
        return _("Support SLA missed (%(what)s): ticket %(ref)s %(subject)s") % {
            "what": _("resolution") if escalate_resolution else _("first response"),
            "ref": ticket.reference,
            "subject": ticket.subject[:60],
        }

    escalate_to(users=escalation_recipients(), text=text, url=url)
    what = "resolution" if escalate_resolution else "first response"
    log.warning("ticket %s escalated: %s late", ticket.number, what)
    return True


# --- the site's fault is repaired -------------------------------------------------------------
@transaction.atomic
def fault_closed(*, fault: Fault, now: datetime | None = None) -> int:
    """The fault of an outage was repaired and verified: its incidents close, and each open
    ticket about it (grouped in the incident, linked to the fault, or opened while the fault
    was open at its site) gets a note telling its owner to answer and resolve. Idempotent (a
    replayed event adds no second note). Returns the tickets told."""
    now = now or timezone.now()
    Incident.objects.filter(fault=fault, closed_at__isnull=True).update(
        closed_at=now, updated_at=now
    )
    linked = Ticket.objects.filter(status__in=OPEN_STATUSES, duplicate_of__isnull=True).filter(
        models.Q(incident__fault=fault)
        | models.Q(fault=fault)
        | models.Q(site=fault.site_id, enrichment__site__open_fault=str(fault.pk))
    )
    told = 0
    for ticket in linked.distinct():
        _note, created = TicketMessage.objects.get_or_create(
            external_ref=f"fault-closed:{fault.pk}:{ticket.pk}"[:80],
            defaults={
                "ticket": ticket,
                "direction": Direction.NOTE,
                "channel": Channel.DESK,
                "text": _(
                    "The fault at %(site)s is repaired and verified: tell the customer and "
                    "resolve the ticket."
                )
                % {"site": fault.site.name},
            },
        )
        told += created
    return told


# --- e-mail intake -----------------------------------------------------------------------------
REFERENCE_IN_SUBJECT = re.compile(r"\[#(\d{1,9})\]")
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
QUOTE_START = re.compile(r"^(On .{0,200} wrote:|-+ ?Original Message ?-+|From: .+)$", re.IGNORECASE)


def is_auto_reply(message) -> bool:
    """Out-of-office replies, bounces and lists (RFC 3834): answering them would loop."""
    auto = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto != "no":
        return True
    if str(message.get("Precedence", "") or "").strip().lower() in AUTO_PRECEDENCE:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("List-Id"):
        return True
    sender = _sender(message)
    local = sender.split("@")[0]

    return local in {"mailer-daemon", "postmaster"} or sender == _address(
        settings.DEFAULT_FROM_EMAIL
    )


def _address(value: str) -> str:
    return parseaddr(str(value or ""))[1].strip().lower()


def _sender(message) -> str:
    return _address(message.get("Reply-To") or message.get("From") or "")


def _email_text(message) -> str:
    """The new text of an e-mail: plain text (else HTML without tags), quoted history cut."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    lines = []
    for line in str(text).replace("\r\n", "\n").splitlines():
        if QUOTE_START.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.rstrip())
    return "\n".join(lines).strip()


def receive_email(raw: bytes, *, now: datetime | None = None) -> tuple[Ticket | None, str]:
    """One e-mail from the support mailbox. A reply carrying ``[#1042]`` in its subject, from
    that ticket's address, continues the ticket (and may reopen it); anything else opens a
    ticket. Auto-replies and bounces are dropped (no loop); the same Message-ID twice adds
    nothing. Returns (ticket, what happened)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID", "") or "").strip() or hashlib.sha256(raw).hexdigest()
    ref = "email:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]
    seen = TicketMessage.objects.filter(external_ref=ref).select_related("ticket").first()
    if seen is not None:
        return seen.ticket, "duplicate"
    if is_auto_reply(message):
        log.info("support mail %s is an auto-reply: dropped", message_id)
        return None, "auto-reply"
    sender = _sender(message)
    subject = str(message.get("Subject", "") or "").strip()
    text = _email_text(message) or subject
    if not sender or not text:
        log.info("support mail %s has no sender or no text: dropped", message_id)
        return None, "empty"
    if len(text) > MAX_TEXT:  # a long e-mail is kept, cut, and says so
        note = _("[cut: the e-mail had %(n)d characters]") % {"n": len(text)}
        text = text[: MAX_TEXT - len(note) - 2] + "\n" + note
    found = REFERENCE_IN_SUBJECT.search(subject)
    ticket = Ticket.objects.filter(number=int(found.group(1))).first() if found else None
    if (
        ticket is not None
        and ticket.email.lower() == sender
        and ticket.duplicate_of_id is None
        and ticket.status != TicketStatus.CLOSED
    ):
        add_message(
            ticket=ticket,
            text=text,
            direction=Direction.IN,
            channel=Channel.EMAIL,
            external_ref=ref,
            now=now,
        )
        return ticket, "continued"
    clean_subject = " ".join(REFERENCE_IN_SUBJECT.sub("", subject).split())
    opened = open_ticket(
        text=text,
        channel=Channel.EMAIL,
        email=sender,
        subject=clean_subject,
        now=now,
        external_ref=ref,
    )
    return opened, "opened"


def poll_mailbox(*, limit: int = 50) -> int:
    """Read the support mailbox (SUPPORT_IMAP_URL); each e-mail in its own transaction."""
    config = mailbox.config_from_url(settings.SUPPORT_IMAP_URL)
    if config is None:
        return 0

    def handle(raw: bytes) -> None:
        with transaction.atomic():
            receive_email(raw)

    return mailbox.poll(config, handle, limit=limit)


# --- triage ----------------------------------------------------------------------------------
def recompute_sla(ticket: Ticket) -> None:
    """Set the due times from the SlaPolicy of the ticket's (new) priority, counted from its
    opening plus the time it already waited for the customer (a wait in progress moves them
    when it ends). A first response already given keeps its due time; a duplicate has none.
    The caller saves."""
    if ticket.duplicate_of_id or ticket.status not in OPEN_STATUSES:
        return
    first_due, resolution_due = sla_due(ticket.priority, ticket.created_at, ticket.site)
    # the finished waits (wall time) count as business time here: close enough for a refile
    week = business_week(ticket.site, ticket.priority)
    if ticket.first_responded_at is None:
        ticket.first_response_due = hours.add(first_due, ticket.waited, week)
    ticket.resolution_due = hours.add(resolution_due, ticket.waited, week)


@transaction.atomic
def set_category(
    *, ticket: Ticket, category: Category, actor: User, priority: str | None = None
) -> Ticket:
    """A person files (or corrects) the ticket: it leaves the triage queue and the classifier
    learns from it at the next retraining. Its SLA due times follow the (new) priority; a new
    category's team gets the waiting task (the process hears ``support.ticket_changed``)."""
    if not actor.has_perm("support.triage_ticket"):
        raise NotAllowed(_("You may not file tickets."))
    if priority is not None and priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")}, code="bad_priority")
    Ticket.objects.select_for_update().filter(pk=ticket.pk).first()  # lock, then read fresh
    ticket.refresh_from_db()
    before = (ticket.category_id, ticket.priority)
    ticket.category = category
    ticket.priority = priority or ticket.priority
    ticket.category_corrected = True
    ticket.needs_triage = False
    recompute_sla(ticket)
    ticket.save()
    link_to_site_fault(ticket)  # filed to the field team at a site whose service is down
    if (ticket.category_id, ticket.priority) != before:
        _announce_change(ticket, "filed")
    return ticket


def may_set_priority(user: User | None) -> bool:
    """Customer Care (who files tickets) and the support leads change a ticket's priority."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.has_perm("support.triage_ticket") or user.has_perm("support.supervise_ticket"))
    )


@transaction.atomic
def set_priority(*, ticket: Ticket, priority: str, actor: User) -> Ticket:
    """A person raises or lowers the ticket's priority: its SLA due times are recomputed from
    that priority's SlaPolicy, keeping the time it already waited for the customer."""
    if not may_set_priority(actor):
        raise NotAllowed(_("You may not change a ticket's priority."))
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")}, code="bad_priority")
    Ticket.objects.select_for_update().filter(pk=ticket.pk).first()  # lock, then read fresh
    ticket.refresh_from_db()
    if ticket.priority == priority:
        return ticket
    ticket.priority = priority
    recompute_sla(ticket)
    ticket.save()
    _announce_change(ticket, "priority")
    return ticket


def _announce_change(ticket: Ticket, cause: str) -> None:
    events.announce(
        "support.ticket_changed",
        key=f"{cause}:{ticket.pk}:{ticket.category_id}:{ticket.priority}:{timezone.now().isoformat()}",
        ticket=str(ticket.pk),
    )


def corrections() -> list[classifier.Example]:
    """Agents' filed tickets as training examples (their first customer message)."""
    rows = []
    for ticket in Ticket.objects.filter(category_corrected=True).select_related("category"):
        first = ticket.messages.filter(direction=Direction.IN).order_by("created_at").first()
        if first is not None:
            rows.append(classifier.Example(first.text, ticket.category.slug, f"t{ticket.number}"))
    return rows


ACCURACY_FLOOR = 0.85


def retrain_classifier(*, save: bool = True) -> dict:
    """Train on the shipped set plus the agents' corrections and measure on the held-out
    quarter; save (and use from now on) only at or above ACCURACY_FLOOR, so a batch of bad
    corrections cannot degrade routing. Returns the evaluation with ``saved`` and counts."""
    train, held_out = classifier.split(classifier.load_examples())
    learned = corrections()
    model = classifier.train(train + learned)
    report = classifier.evaluate(model, held_out)
    report.update(shipped=len(train), corrected=len(learned), held_out=len(held_out))
    report["saved"] = bool(save and report["accuracy"] >= ACCURACY_FLOOR)
    if report["saved"]:
        classifier.save(model)
        classifier.reset()
    return report


# --- the captive portal's "Get help" form ------------------------------------------------------
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def check_attachment(file) -> str:
    """A photo or a PDF of at most 10 MB, judged by its content (its name and the browser's
    type are the sender's to choose). Returns its kind; ValidationError on ``attachment``."""
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"attachment": _("The file is too large: at most 10 MB.")}, code="too_large"
        )
    return check_upload(file, field="attachment")


@transaction.atomic
def open_from_portal(
    *, site: Site, phone: str, text: str, attachment=None, now: datetime | None = None
) -> Ticket:
    """A customer asks for help on the site's captive portal: a ticket on channel portal at
    that site, with the optional photo or PDF stored privately. The file is checked before
    anything is written: a refused file opens no ticket."""
    kind = check_attachment(attachment) if attachment else None
    if not str(phone or "").strip():
        raise ValidationError({"phone": _("Give your phone number so we can answer you.")})
    ticket = open_ticket(text=text, channel=Channel.PORTAL, phone=phone, site=site, now=now)
    if attachment:
        TicketAttachment.objects.create(
            ticket=ticket.duplicate_of or ticket, file=attachment, kind=kind, size=attachment.size
        )
    return ticket
