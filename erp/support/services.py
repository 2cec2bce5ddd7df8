"""Opening and continuing tickets: intake from every channel goes through ``open_ticket`` or
``receive_customer_text``, so classification, enrichment, duplicate linking and outage grouping
are the same for the desk, the API and an SMS.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.clients.models import Client
from erp.core import events
from erp.core.exceptions import NotAllowed
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Fault
from erp.messaging.phones import to_e164
from erp.sales.models import Sale
from erp.sites.models import Site
from erp.vouchers.choices import VoucherStatus

from . import classifier, extraction
from .choices import OPEN_STATUSES, Channel, Direction, Priority, Team, TicketStatus
from .models import Category, Incident, Ticket, TicketMessage

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
def find_client(phone: str, site: Site | None = None) -> Client | None:
    """The client with this phone (at ``site`` first: a phone can be a client of two sites)."""
    if not phone:
        return None
    clients = Client.objects.filter(phone=phone).select_related("site")
    if site is not None:
        at_site = clients.filter(site=site).first()
        if at_site:
            return at_site
    return clients.order_by("-updated_at").first()


def open_fault(site: Site) -> Fault | None:
    return (
        Fault.objects.filter(site=site)
        .exclude(status=FaultStatus.CLOSED)
        .order_by("-reported_at")
        .first()
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
    # serialised by a transaction-scoped advisory lock (ticket numbers are shown to customers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('support.ticket_number'))")
    return (Ticket.objects.aggregate(n=Max("number"))["n"] or 0) + 1


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
    but closed as a duplicate of the first, which gets a note; the agent works one ticket."""
    now = now or timezone.now()
    text = clean_text(text)
    phone = clean_phone(phone)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if actor is not None and not actor.has_perm("support.add_ticket"):
        raise NotAllowed(_("You may not open tickets."))
    if not phone and not email and actor is None:
        raise ValidationError({"phone": _("Give the customer's phone or e-mail.")})
    client = find_client(phone, site)
    extracted = extraction.extract(text)
    named = _sites_named_in(text)
    extracted["sites"] = [s.name for s in named]
    # the customer's site, else the one site the text names
    site = site or (client.site if client else None) or (named[0] if len(named) == 1 else None)
    prediction = classifier.classify(text)
    category = Category.objects.filter(slug=prediction.category, active=True).first()
    duplicate = _duplicate_of(phone=phone, category=category, now=now)
    ticket = Ticket.objects.create(
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
    elif site is not None and category is not None and category.slug in OUTAGE_CATEGORIES:
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
@transaction.atomic
def add_message(
    *,
    ticket: Ticket,
    text: str,
    direction: str,
    channel: str,
    actor: User | None = None,
    external_ref: str = "",
) -> TicketMessage:
    text = clean_text(text)
    if actor is not None and not actor.has_perm("support.add_ticketmessage"):
        raise NotAllowed(_("You may not write on tickets."))
    message = TicketMessage.objects.create(
        ticket=ticket,
        direction=direction,
        channel=channel,
        text=text,
        author=actor,
        external_ref=external_ref,
    )
    if direction == Direction.IN and ticket.status == TicketStatus.WAITING:
        ticket.status = TicketStatus.OPEN
        ticket.save(update_fields=["status", "updated_at"])
    return message


def receive_customer_text(
    *,
    phone: str,
    text: str,
    channel: str = Channel.SMS,
    external_ref: str = "",
    now: datetime | None = None,
) -> tuple[Ticket | None, bool]:
    """A text from a customer (an inbound SMS): continues their open ticket of the last week,
    else opens one. Returns (ticket, opened); (the ticket, False) when ``external_ref`` was
    already received (a replayed delivery)."""
    now = now or timezone.now()
    if external_ref:
        seen = TicketMessage.objects.filter(external_ref=external_ref).select_related("ticket")
        if seen.exists():
            return seen.first().ticket, False
    phone = clean_phone(phone)
    if not phone:
        raise ValidationError({"phone": _("Give the customer's phone.")})
    current = (
        Ticket.objects.filter(
            phone=phone,
            duplicate_of__isnull=True,
            status__in=OPEN_STATUSES,
            updated_at__gte=now - CONTINUE_WINDOW,
        )
        .order_by("-updated_at")
        .first()
    )
    if current is not None:
        add_message(
            ticket=current,
            text=text,
            direction=Direction.IN,
            channel=channel,
            external_ref=external_ref,
        )
        return current, False
    ticket = open_ticket(
        text=text, channel=channel, phone=phone, now=now, external_ref=external_ref
    )
    return ticket, True


# --- triage ----------------------------------------------------------------------------------
@transaction.atomic
def set_category(*, ticket: Ticket, category: Category, actor: User) -> Ticket:
    """A person files (or corrects) the ticket: it leaves the triage queue and the classifier
    learns from it at the next retraining."""
    if not actor.has_perm("support.triage_ticket"):
        raise NotAllowed(_("You may not file tickets."))
    ticket.category = category
    ticket.category_corrected = True
    ticket.needs_triage = False
    ticket.save(update_fields=["category", "category_corrected", "needs_triage", "updated_at"])
    return ticket


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
