"""Every write of the SMS app: queueing, the gateway pump, state changes, webhooks, consent.

A message is queued in the transaction of the fact that causes it and sent after the commit
by its gateway's pump (``tasks.pump_gateway``), one pump per gateway at a time (a lock that
dies with its process). Each state change writes its history row in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.clients.models import Client
from erp.clients.selectors import clients_visible_to
from erp.core import events
from erp.core.formats import in_time_zone_of, money, sms_time
from erp.core.languages import language_of
from erp.core.texts import Text
from erp.maintenance.models import Fault
from erp.sales.models import Remittance, Sale
from erp.sales.services import agent_balance
from erp.sites.models import Site
from erp.sites.selectors import time_zone_of_user

from . import encoding, pdu, selectors, tasks
from .choices import GatewayKind, MessageKind, MessageState
from .gateways import GatewayError, adapter_for
from .gateways.router import refusal
from .models import (
    Campaign,
    Gateway,
    InboundMessage,
    InboxReceipt,
    Message,
    MessageEvent,
    Template,
    WebhookReceipt,
)
from .phones import to_e164
from .rendering import placeholders_in, render
from .states import _record, transition

log = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "ACHA", "UNSUBSCRIBE", "STOPALL"}


class NoGateway(ValidationError):
    pass


# --- gateways -------------------------------------------------------------------------------
def create_gateway(
    *,
    name: str,
    kind: str = GatewayKind.ANDROID,
    password: str = "",
    webhook_key: str = "",
    **fields: Any,
) -> Gateway:
    """A gateway; its password and webhook key are encrypted before they reach the database."""
    gateway = Gateway(name=name, kind=kind, **fields)
    gateway.set_password(password)
    gateway.set_webhook_key(webhook_key)
    gateway.full_clean(exclude=["password_encrypted", "webhook_key_encrypted"])
    gateway.save()
    return gateway


def gateway_for(*, site=None, agent=None) -> Gateway:
    """The agent's gateway, else the site's, else the default one."""
    active = Gateway.objects.filter(is_active=True)
    for scope in (
        {"agent": agent} if agent is not None and getattr(agent, "pk", None) else None,
        {"site": site} if site is not None else None,
        {"is_default": True},
    ):
        if scope:
            found = active.filter(**scope).order_by("name").first()
            if found is not None:
                return found
    raise NoGateway(_("No SMS gateway is set up: add one under SMS → Gateways."), code="no_gateway")


def register_webhooks(gateway: Gateway, *, base_url: str | None = None) -> list[str]:
    """Ask the phone to call our receiver for sent/delivered/failed/received."""
    base = (base_url or settings.SMS_WEBHOOK_BASE_URL).rstrip("/")
    url = base + reverse("messaging:webhook", kwargs={"gateway_id": gateway.pk})
    return adapter_for(gateway).register_webhooks(url)


# --- queueing -------------------------------------------------------------------------------
def check_text(text: str) -> tuple[str, encoding.Count]:
    """The text as it will be sent and its cost; ValidationError for empty or too long."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")}, code="empty")
    if len(text) > settings.SMS_MAX_CHARACTERS:
        raise ValidationError(
            {
                "text": _("A message is at most %(max)d characters (this one has %(n)d).")
                % {"max": settings.SMS_MAX_CHARACTERS, "n": len(text)}
            },
            code="too_long",
        )
    return encoding.prepare(text)


def queue_message(
    *,
    phone,
    text: str,
    kind: str = MessageKind.TRANSACTIONAL,
    client=None,
    template: Template | None = None,
    campaign=None,
    source: str = "",
    actor=None,
    gateway: Gateway | None = None,
    site=None,
    already_sent: bool = False,
) -> Message:
    """Queue one SMS (in the caller's transaction, if any) and start its gateway's pump after
    the commit. ``source`` names the fact that causes it: queueing the same source again
    returns the first message. ``already_sent``: the field app sent it from the phone itself
    while offline; it is logged as sent and never sent again."""
    if source:
        existing = Message.objects.filter(source=source).first()
        if existing is not None:
            return existing
    try:
        number = to_e164(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}, code=exc.code) from None
    text, cost = check_text(text)
    if kind == MessageKind.MARKETING and (client is None or not client.marketing_consent):
        raise ValidationError(_("This client has not agreed to marketing SMS."), code="no_consent")
    if gateway is None:
        gateway = gateway_for(
            site=site or (client.site if client is not None else None),
            agent=getattr(actor, "pk", None) and actor,
        )
    if gateway.kind == GatewayKind.ROUTER and not already_sent:
        why = refusal(text)
        if why:
            raise ValidationError({"text": [why]}, code="router_limit")
    now = timezone.now()
    message = Message(
        gateway=gateway,
        client=client,
        phone=number,
        text=text,
        encoding=cost.encoding,
        parts=cost.parts,
        kind=kind,
        template=template,
        campaign=campaign,
        source=source,
        queued_by=actor if getattr(actor, "pk", None) else None,
        expires_at=now + timedelta(hours=settings.SMS_TTL_HOURS),
        state=MessageState.SENT if already_sent else MessageState.QUEUED,
        sent_at=now if already_sent else None,
        accepted_at=now if already_sent else None,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            _record(message, MessageState.QUEUED)
            if already_sent:
                _record(message, MessageState.SENT, _("sent by the phone itself"))
    except IntegrityError:
        existing = Message.objects.filter(source=source).first() if source else None
        if existing is None:
            raise
        return existing
    if not already_sent:
        start_pump(gateway.pk)
    return message


def start_pump(gateway_id) -> None:
    transaction.on_commit(lambda: tasks.pump_gateway.delay(str(gateway_id)))


# --- gateway reports ------------------------------------------------------------------------
def handle_webhook(gateway: Gateway, envelope: dict[str, Any]) -> str:
    """Apply one verified webhook delivery. Returns what was done ('duplicate' for a
    replayed envelope id). One ``sms:delivered`` arrives per part: the message is delivered
    once all its parts are."""
    envelope_id = str(envelope.get("id") or "")[:100]
    event = str(envelope.get("event") or "")
    payload = envelope.get("payload") or {}
    if not envelope_id or not isinstance(payload, dict):
        raise ValidationError(_("A webhook delivery needs an id and a payload."))
    with transaction.atomic():
        _receipt, created = WebhookReceipt.objects.get_or_create(
            envelope_id=envelope_id, defaults={"gateway": gateway, "event": event[:30]}
        )
        if not created:
            return "duplicate"
        if event == "sms:received":
            return receive(
                gateway=gateway,
                phone=str(payload.get("phoneNumber", "")),
                text=str(payload.get("message", "")),
            )
        message = Message.objects.filter(
            pk=_uuid_or_none(payload.get("messageId")), gateway=gateway
        ).first()
        if message is None:
            return "unknown message"
        now = timezone.now()
        if event == "sms:sent":
            transition(
                message, MessageState.SENT, sent_at=now, accepted_at=message.accepted_at or now
            )
        elif event == "sms:delivered":
            Message.objects.filter(pk=message.pk).update(delivered_parts=F("delivered_parts") + 1)
            message.refresh_from_db(fields=["delivered_parts"])
            if message.delivered_parts >= message.parts:
                transition(
                    message,
                    MessageState.DELIVERED,
                    delivered_at=now,
                    sent_at=message.sent_at or now,
                    accepted_at=message.accepted_at or now,
                )
            else:
                transition(message, MessageState.SENT, sent_at=message.sent_at or now)
        elif event == "sms:failed":
            transition(
                message,
                MessageState.FAILED,
                note=str(payload.get("reason") or "")
                or Text(gettext_noop("the phone could not send it")),
            )
        else:
            return "ignored"
        return event


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def receive(*, gateway: Gateway, phone: str, text: str, received_at=None) -> str:
    """An inbound SMS: logged; STOP/ACHA withdraws marketing consent of that number at once."""
    try:
        number = to_e164(phone)
    except ValidationError:
        number = phone[:20]
    action = ""
    if text.strip().upper().strip(".!") in STOP_WORDS:
        with transaction.atomic():
            clients = list(
                Client.objects.select_for_update().filter(phone=number, marketing_consent=True)
            )
            for client in clients:
                client.marketing_consent = False
                client._change_reason = f"SMS {text.strip()[:10]}"
                client.save(update_fields=["marketing_consent", "updated_at"])
        action = _("marketing consent withdrawn (%(n)d client(s))") % {"n": len(clients)}
        log.info("sms opt-out from %s: %d client(s)", number, len(clients))
    inbound = InboundMessage.objects.create(
        gateway=gateway,
        phone=number,
        text=text[:2000],
        received_at=received_at or timezone.now(),
        action=action,
    )
    if not action and text.strip():
        # any other text is for whoever listens (the support app opens or continues a ticket)
        events.announce(
            "messaging.sms_received",
            key=str(inbound.pk),
            inbound=str(inbound.pk),
            phone=number,
            text=inbound.text,
        )
    return "opt-out" if action else "received"


# --- resend, cost ---------------------------------------------------------------------------
RESENT_PREFIX = "resent:"


@transaction.atomic
def resend(*, message: Message, actor, phone: str = "") -> Message:
    """A failed or expired message, queued again as a new message (new id: the gateway
    refused or never had the old one), to ``phone`` if given (a corrected number).

    A message sent for a fact (``source``, a sale's receipt) hands the fact over to the new
    one, so whoever follows the fact (the field app's receipt card) sees the new message's
    state, not the old failure; the old one keeps a trace (``resent:<source>:<its id>``)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.state not in (MessageState.FAILED, MessageState.EXPIRED):
        raise ValidationError(_("Only a failed or expired message can be sent again."))
    source = _retire_source(message)
    return queue_message(
        phone=phone or message.phone,
        text=message.text,
        kind=message.kind,
        client=message.client,
        template=message.template,
        actor=actor,
        gateway=message.gateway,
        source=source,
    )


def _retire_source(message: Message) -> str:
    """Free ``message``'s source for a new message; the source it had."""
    source = message.source
    if source:
        message.source = f"{RESENT_PREFIX}{source}:{message.pk}"[:100]
        message.save(update_fields=["source"])
    return source


def cost_of(parts: int) -> Decimal:
    return Decimal(settings.SMS_COST_PER_PART) * parts


# --- sale receipts --------------------------------------------------------------------------
RECEIPT_TEMPLATE = "sale-receipt"


def queue_sale_receipt(payload: dict[str, Any]) -> Message | None:
    """The receipt and code SMS of a sale (the domain event's subscriber): a sale to a client,
    to the number the agent chose or the client's. Nothing is queued, and nothing fails, when
    there is no gateway, no active template or the number cannot take an SMS."""
    sale = selectors.sales_for_receipt().filter(pk=payload.get("sale_id")).first()
    if sale is None or sale.client is None:
        return None
    try:
        message, _created = send_sale_receipt(sale=sale, phone=payload.get("sms_phone") or "")
    except NoGateway:
        log.info("sale %s: no SMS gateway is set up, no receipt SMS", sale.pk)
        return None
    except ValidationError as exc:
        # a landline, a text over the router's limit, no template: trying again will not help
        log.warning("sale %s: no receipt SMS: %s", sale.pk, " ".join(exc.messages))
        return None
    return message


def send_sale_receipt(
    *, sale: Sale, phone: str = "", sent_by_phone: str = ""
) -> tuple[Message, bool]:
    """The receipt and code SMS of ``sale``, at most once per sale (source ``sale:<id>``, the
    same message the sale's event queues): to ``phone``, else the client's; written from the
    sale-receipt template in the reader's language (the client's, else the site's).

    ``sent_by_phone``: the text the field app already sent through the phone's own SMS app;
    it is logged as sent (never sent again), so the sale's event queues no second copy.
    Returns (the message, whether it is new); a receipt already queued for the sale is
    returned as it is. ValidationError (NoGateway among them) when it cannot be sent."""
    source = selectors.receipt_source(sale.pk)
    existing = Message.objects.filter(source=source).first()
    if existing is not None:
        return existing, False
    phone = phone or (str(sale.client.phone) if sale.client is not None else "")
    if not phone:
        raise ValidationError(
            {"phone": _("Give the number to send the receipt to.")}, code="no_phone"
        )
    if sent_by_phone:
        text, template = sent_by_phone, None
    else:
        template = Template.objects.filter(code=RECEIPT_TEMPLATE, is_active=True).first()
        if template is None:
            raise ValidationError(
                _("The receipt SMS is switched off (its template is not active)."),
                code="no_template",
            )
        reader = sale.client if sale.client is not None else sale.site
        text = written_for(template, reader, lambda: sale_values(sale), place=sale.site)
    message = queue_message(
        phone=phone,
        text=text,
        client=sale.client,
        template=template,
        source=source,
        actor=sale.seller,
        site=sale.site,
        already_sent=bool(sent_by_phone),
    )
    return message, True


@transaction.atomic
def send_sale_receipt_again(
    *, sale: Sale, phone: str = "", sent_by_phone: str = ""
) -> tuple[Message, bool]:
    """`send_sale_receipt` once more when the sale's receipt failed or expired (the agent asks
    from the field app, as the office's `resend`): through the gateway to ``phone`` or the
    failed one's number, or logged as sent by the phone's own SMS app. The failed message
    hands the sale over to the new one (see `resend`). A receipt that did not fail is
    returned as it is (not new), and a sale with none gets its first."""
    existing = (
        Message.objects.select_for_update().filter(source=selectors.receipt_source(sale.pk)).first()
    )
    if existing is None or existing.state not in (MessageState.FAILED, MessageState.EXPIRED):
        return send_sale_receipt(sale=sale, phone=phone, sent_by_phone=sent_by_phone)
    if not sent_by_phone:
        return resend(message=existing, actor=sale.seller, phone=phone), True
    _retire_source(existing)
    return send_sale_receipt(sale=sale, phone=phone or existing.phone, sent_by_phone=sent_by_phone)


def written_for(
    template: Template, reader: Any, values: Callable[[], dict[str, Any]], *, place: Any = None
) -> str:
    """The template in the reader's language, with its values written as that language writes
    them (money "TSh 1,000" / "1 000 TSh", the names of choices) and its times in the zone of
    ``place`` (a site; the installation's when None): where the reader stands."""
    language = language_of(reader)
    with translation.override(language), in_time_zone_of(place):
        return render(template.text_for(language), values())


def sale_values(sale) -> dict[str, Any]:
    """The placeholder values of a sale, in the active language and time zone."""
    client = sale.client
    expiry = client.expires_at if client is not None else None
    return {
        "client_name": (client.name if client is not None else "") or "",
        "code": sale.voucher.code,
        "package": sale.package.name,
        "price": money(sale.amount, currency=True),
        "expiry": sms_time(expiry),
        "receipt_number": sale.receipt_number,
        "site": sale.site.name,
        "agent_phone": str(getattr(sale.seller, "phone", "") or ""),
    }


# --- staff notices: fault reports, remittances ------------------------------------------------
FAULT_REPORTED_TEMPLATE = "fault-reported"
FAULT_CLOSED_TEMPLATE = "fault-closed"
REMITTANCE_TEMPLATE = "remittance-receipt"


def queue_staff_notice(
    *,
    user,
    template_code: str,
    values: Callable[[], dict[str, Any]],
    source: str,
    site=None,
) -> Message | None:
    """One templated SMS to a staff member or agent (their phone, their language; ``values``
    is called in it, and in the time zone of ``site``, else of the sites they work on), once
    per ``source``. Nothing is queued, and nothing fails, when they have no phone, the template is
    switched off or no gateway is set up: the fact stands without its SMS."""
    if user is None or not str(getattr(user, "phone", "") or ""):
        return None
    template = Template.objects.filter(code=template_code, is_active=True).first()
    if template is None:
        return None
    try:
        gateway_for(site=site)
    except NoGateway:
        log.info("%s: no SMS gateway is set up, no SMS", source)
        return None
    try:
        return queue_message(
            phone=str(user.phone),
            text=written_for(template, user, values, place=site or time_zone_of_user(user)),
            template=template,
            source=source,
            site=site,
        )
    except ValidationError as exc:
        log.warning("%s: no SMS: %s", source, " ".join(exc.messages))
        return None


def fault_values(fault) -> dict[str, Any]:
    reporter = fault.reported_by
    return {
        "staff_name": (reporter.get_full_name() or reporter.username) if reporter else "",
        "fault_ref": fault.reference,
        "site": fault.site.name,
        "due": sms_time(fault.due_at),
    }


def queue_fault_notice(payload: dict[str, Any], *, closed: bool) -> Message | None:
    """The reporter's confirmation of a reported fault, or the notice that it is closed."""
    fault = (
        Fault.objects.select_related("site", "reported_by")
        .filter(pk=payload.get("fault_id"))
        .first()
    )
    if fault is None or fault.reported_by is None:
        return None
    return queue_staff_notice(
        user=fault.reported_by,
        template_code=FAULT_CLOSED_TEMPLATE if closed else FAULT_REPORTED_TEMPLATE,
        values=lambda: fault_values(fault),
        source=f"fault-{'closed' if closed else 'reported'}:{fault.pk}",
        site=fault.site,
    )


def queue_remittance_receipt(payload: dict[str, Any]) -> Message | None:
    """The agent's receipt for money handed in, with what they still owe."""
    remittance = (
        Remittance.objects.select_related("agent").filter(pk=payload.get("remittance_id")).first()
    )
    if remittance is None:
        return None
    agent = remittance.agent
    balance = agent_balance(agent)

    def values() -> dict[str, Any]:
        return {
            "staff_name": agent.get_full_name() or agent.username,
            "amount": money(remittance.amount, currency=True),
            "method": remittance.get_method_display(),
            "receipt_number": str(remittance.pk)[:8].upper(),
            "date": sms_time(remittance.received_at),
            "balance": money(balance, currency=True),
        }

    return queue_staff_notice(
        user=agent,
        template_code=REMITTANCE_TEMPLATE,
        values=values,
        source=f"remittance:{remittance.pk}",
    )


# --- templates ------------------------------------------------------------------------------
TEMPLATE_FIELDS = ("code", "name", "kind", "text_en", "text_sw", "text_fr", "is_active")


@transaction.atomic
def save_template(*, actor, template: Template | None = None, **fields: Any) -> Template:
    """Create or change a template; a text with an unknown placeholder is refused whole."""
    errors = {}
    for field in ("text_en", "text_sw", "text_fr"):
        if fields.get(field):
            try:
                placeholders_in(fields[field])
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    template = template or Template()
    for key, value in fields.items():
        if key in TEMPLATE_FIELDS:
            setattr(template, key, value)
    template._history_user = actor
    template.full_clean()
    template.save()
    return template


def preview(*, template: Template, language: str, values: dict[str, Any]) -> dict[str, Any]:
    """The template rendered with a real record's values, and what it costs."""
    text, cost = encoding.prepare(render(template.text_for(language), values))
    return {
        "text": text,
        "encoding": cost.encoding,
        "units": cost.units,
        "parts": cost.parts,
        "cost": str(cost_of(cost.parts)),
        "warning": (
            _("This message is sent as %(n)d SMS parts.") % {"n": cost.parts}
            if cost.parts > 1
            else ""
        ),
    }


# --- campaigns ------------------------------------------------------------------------------
def longest_texts(templates) -> dict[str, str]:
    """Each template as its longest message will be: rendered in each language with the
    longest client name among those who agreed to marketing, the longest site name and agent
    phone, and the costliest of those kept (the campaign page counts it, not the placeholders'
    own braces)."""

    def longest(rows, field: str) -> str:
        return (
            rows.exclude(**{field: ""})
            .annotate(size=Length(field))
            .order_by("-size")
            .values_list(field, flat=True)
            .first()
            or ""
        )

    values = {
        "client_name": longest(Client.objects.filter(marketing_consent=True), "name"),
        "site": longest(Site.objects.all(), "name"),
        "agent_phone": longest(User.objects.filter(phone__isnull=False), "phone"),
    }
    out = {}
    for template in templates:
        texts = [
            encoding.prepare(render(template.text_for(lang), values)) for lang in ("en", "sw", "fr")
        ]
        text, _cost = max(texts, key=lambda pair: (pair[1].parts, pair[1].units))
        out[str(template.pk)] = text
    return out


AUDIENCE_FILTERS = ("site", "package", "bought_since", "expiring_within_hours")


def audience(*, actor, filters: dict[str, Any]):
    """The clients a campaign would reach: those the actor may see who agreed to marketing,
    narrowed by site, package bought, last purchase since, access ending within N hours."""
    clients = clients_visible_to(actor).filter(marketing_consent=True)
    if filters.get("site"):
        clients = clients.filter(site_id=filters["site"])
    if filters.get("package"):
        clients = clients.filter(purchases__package_id=filters["package"])
    if filters.get("bought_since"):
        clients = clients.filter(purchases__sold_at__gte=filters["bought_since"])
    if filters.get("expiring_within_hours"):
        now = timezone.now()
        hours = int(filters["expiring_within_hours"])
        clients = clients.filter(expires_at__gt=now, expires_at__lte=now + timedelta(hours=hours))
    return clients.distinct()


def start_campaign(
    *, actor, name: str, template: Template, filters: dict[str, Any] | None = None
) -> Campaign:
    """Render the template for every client of the audience (each in their language) and
    queue all the messages in one transaction (bulk); the gateways' pumps drain them at their
    pace. An audience of nobody is refused."""
    filters = {k: v for k, v in (filters or {}).items() if k in AUDIENCE_FILTERS and v}
    if template.kind != MessageKind.MARKETING:
        raise ValidationError({"template": _("A campaign sends a marketing template.")})
    # plain values, not model instances: 10,000 clients in well under a second
    clients = list(
        audience(actor=actor, filters=filters)
        .order_by()
        .values_list("pk", "name", "phone", "language", "site_id", "site__name", "agent__phone")
    )
    if not clients:
        raise ValidationError(
            _("No client matches: nobody who agreed to marketing SMS is in this audience."),
            code="empty_audience",
        )
    texts = {lang: template.text_for(lang) for lang in ("en", "sw", "fr")}
    gateways: dict[Any, Gateway] = {}
    now = timezone.now()
    expires = now + timedelta(hours=settings.SMS_TTL_HOURS)
    campaign = Campaign(name=name, template=template, audience=_jsonable(filters), created_by=actor)
    messages = []
    for client_id, client_name, phone, language, site_id, site_name, agent_phone in clients:
        gateway = gateways.get(site_id)
        if gateway is None:
            gateway = gateways[site_id] = gateway_for(site=site_id)
        values = {"client_name": client_name, "site": site_name, "agent_phone": agent_phone or ""}
        text, cost = encoding.prepare(render(texts.get(language, texts["en"]), values))
        if gateway.kind == GatewayKind.ROUTER:
            why = refusal(text)
            if why:
                raise ValidationError(
                    _("The gateway %(gateway)s cannot send this campaign: %(why)s")
                    % {"gateway": gateway.name, "why": why},
                    code="router_limit",
                )
        messages.append(
            Message(
                gateway_id=gateway.pk,
                client_id=client_id,
                phone=str(phone),
                text=text,
                encoding=cost.encoding,
                parts=cost.parts,
                kind=MessageKind.MARKETING,
                template_id=template.pk,
                campaign=campaign,
                queued_by_id=actor.pk,
                created_at=now,
                expires_at=expires,
            )
        )
    campaign.total = len(messages)
    campaign.total_parts = sum(m.parts for m in messages)
    with transaction.atomic():
        campaign._history_user = actor
        campaign.save()
        Message.objects.bulk_create(messages, batch_size=5000)
        # the first history row of each, in one statement (no 10,000 objects in Python)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {MessageEvent._meta.db_table} (message_id, state, note, at) "  # noqa: S608 - table names from the models
                f"SELECT id, %s, '', %s FROM {Message._meta.db_table} WHERE campaign_id = %s",
                [MessageState.QUEUED, now, campaign.pk],
            )
        for gateway in {g.pk for g in gateways.values()}:
            start_pump(gateway)
    return campaign


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in filters.items()}


def campaign_progress(campaign) -> dict[str, Any]:
    """Counts per state, parts sent, and the time left at the gateways' pace."""
    rows = {
        r["state"]: r
        for r in campaign.messages.values("state").annotate(n=Count("id"), parts=Sum("parts"))
    }
    by_state = {state: rows.get(state, {}).get("n", 0) for state in MessageState.values}
    waiting_parts = sum(
        rows.get(s, {}).get("parts") or 0 for s in (MessageState.QUEUED, MessageState.SENDING)
    )
    pace = (
        campaign.messages.values("gateway__parts_per_minute", "gateway__throttle_window_seconds")
        .distinct()
        .first()
    )
    per_second = (
        pace["gateway__parts_per_minute"] / pace["gateway__throttle_window_seconds"]
        if pace and pace["gateway__throttle_window_seconds"]
        else 0.5
    )
    done = campaign.total - by_state[MessageState.QUEUED] - by_state[MessageState.SENDING]
    return {
        "total": campaign.total,
        "by_state": by_state,
        "done": done,
        "percent": round(100 * done / campaign.total, 1) if campaign.total else 100.0,
        "eta_seconds": round(waiting_parts / per_second) if per_second else None,
        "delivery_rate": (
            round(100 * by_state[MessageState.DELIVERED] / done, 1) if done else None
        ),
    }


# --- reminders ------------------------------------------------------------------------------
REMINDER_TEMPLATE = "access-ending"


def in_quiet_hours(moment) -> bool:
    """Whether ``moment`` falls in the quiet hours (local time; default 21:00–08:00)."""
    local = timezone.localtime(moment).time()
    start, end = settings.SMS_QUIET_HOURS
    return local >= start or local < end if start > end else start <= local < end


# The early reminders for access ending in the quiet hours go in the runs of this last
# stretch before the quiet hours begin (two beat runs: one missed run drops nothing).
EARLY_REMINDER_WINDOW = timedelta(minutes=30)


def next_quiet_hours(moment) -> tuple[Any, Any]:
    """The start and end of the next quiet hours after ``moment`` (which is outside them)."""
    local = timezone.localtime(moment)
    start, end = settings.SMS_QUIET_HOURS
    begins = timezone.make_aware(datetime.combine(local.date(), start), local.tzinfo)
    if begins <= local:
        begins += timedelta(days=1)
    ends = timezone.make_aware(datetime.combine(begins.date(), end), local.tzinfo)
    if ends <= begins:
        ends += timedelta(days=1)
    return begins, ends


def reminder_values(client: Client) -> dict[str, Any]:
    """The placeholder values of an access-ending reminder, in the active language and zone."""
    agent = client.agent
    return {
        "client_name": client.name,
        "site": client.site.name,
        "expiry": sms_time(client.expires_at),
        "agent_phone": str(agent.phone) if agent and agent.phone else "",
    }


def queue_expiry_reminders(*, now=None) -> int:
    """Remind clients who agreed to SMS that their access ends within SMS_REMINDER_HOURS
    (beat, every 15 minutes). Once per access period (the message's source names the client
    and the end of access); nothing in the quiet hours. An access that ends during the quiet
    hours (whose reminder would fall in them, or at their end after it) is reminded early, in
    the last half hour before they begin. Returns how many were queued."""
    now = now or timezone.now()
    if in_quiet_hours(now):
        return 0
    template = Template.objects.filter(code=REMINDER_TEMPLATE, is_active=True).first()
    if template is None:
        return 0
    until = now + timedelta(hours=settings.SMS_REMINDER_HOURS)
    quiet_begins, quiet_ends = next_quiet_hours(now)
    if quiet_begins - now <= EARLY_REMINDER_WINDOW:
        until = max(until, quiet_ends)
    clients = (
        Client.objects.filter(marketing_consent=True, expires_at__gt=now, expires_at__lte=until)
        .select_related("site", "agent")
        .order_by("expires_at")
    )
    queued = 0
    for client in clients:
        source = f"reminder:{client.pk}:{int(client.expires_at.timestamp())}"
        if Message.objects.filter(source=source).exists():
            continue
        try:
            queue_message(
                phone=client.phone,
                text=written_for(
                    template,
                    client,
                    lambda: reminder_values(client),  # noqa: B023 - called at once
                    place=client.site,
                ),
                client=client,
                template=template,
                source=source,
                site=client.site,
            )
        except ValidationError as exc:
            log.warning("reminder to client %s not queued: %s", client.pk, " ".join(exc.messages))
            continue
        queued += 1
    return queued


def read_modem_inboxes() -> int:
    """Read and empty the inbox of every active modem and router-LTE gateway (beat, every
    minute): see ``read_inbox``. Returns how many were logged."""
    read = 0
    for gateway in Gateway.objects.filter(
        kind__in=[GatewayKind.MODEM, GatewayKind.ROUTER], is_active=True
    ).order_by("pk"):
        try:
            read += read_inbox(gateway)
        except GatewayError as exc:
            log.warning("gateway %s inbox not read: %s", gateway.pk, exc.reason)
    return read


def read_inbox(gateway: Gateway, *, indexes: list[int] | None = None, adapter=None) -> int:
    """Log what a modem's SIM or a router's inbox holds (all of it, or the places a +CMTI /
    +CDSI announced), then delete it there. Each SMS is logged (``receive``: STOP/ACHA, or a
    support ticket) or each delivery report applied, together with its ``InboxReceipt`` in
    one transaction; only then is it deleted from the gateway. A crash in between leaves it
    stored: read again, its receipt says it was logged, and it is only deleted. Returns how
    many were logged now. Raises GatewayError when the gateway cannot be read."""
    adapter = adapter or adapter_for(gateway)
    logged, done = 0, []
    for item in adapter.read_inbox(indexes=indexes):
        try:
            with transaction.atomic():
                InboxReceipt.objects.create(gateway=gateway, key=item.key)
                if isinstance(item.message, pdu.StatusReport):
                    delivery_report(gateway=gateway, report=item.message)
                else:
                    receive(
                        gateway=gateway,
                        phone=item.message.phone,
                        text=item.message.text,
                        received_at=item.received_at,
                    )
        except IntegrityError:
            log.info("gateway %s: stored message %s was logged before", gateway.pk, item.ref)
        else:
            logged += 1
        done.append(item.ref)
    adapter.delete(done)
    return logged


def read_notified(gateway: Gateway, notices: list[tuple[str, int]]) -> int:
    """The texts and reports a modem announced (+CMTI / +CDSI) while a message was sent:
    read at once rather than at the next minute's listing."""
    if not notices:
        return 0
    return read_inbox(gateway, indexes=[index for _kind, index in notices])


def delivery_report(*, gateway: Gateway, report) -> Message | None:
    """A modem's delivery report: the sent message on this gateway to that number whose
    +CMGS references include the report's (the newest: references wrap at 256)."""
    try:
        number = to_e164(report.phone)
    except ValidationError:
        number = report.phone
    ref = str(report.reference)
    candidates = Message.objects.filter(
        gateway=gateway, phone=number, state=MessageState.SENT
    ).exclude(gateway_reference="")
    message = next(
        (m for m in candidates.order_by("-sent_at")[:50] if ref in m.gateway_reference.split(",")),
        None,
    )
    if message is None:
        log.info("delivery report %s from %s matches no sent message", ref, number)
        return None
    now = timezone.now()
    if report.failed:
        transition(
            message,
            MessageState.FAILED,
            note=Text(gettext_noop("the network could not deliver it")),
        )
        return message
    if not report.delivered:
        return message  # the centre is still trying
    Message.objects.filter(pk=message.pk).update(delivered_parts=F("delivered_parts") + 1)
    message.refresh_from_db(fields=["delivered_parts"])
    if message.delivered_parts >= message.parts:
        transition(message, MessageState.DELIVERED, delivered_at=now)
    return message
