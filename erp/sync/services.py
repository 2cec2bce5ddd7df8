"""Applying what a device pushes: each operation once, in order, through the domain services.

A push is a list of operations ``{device_id, seq, op, entity, id, payload, client_time}``.
Per device they must come in order: the next applied is ``last_seq + 1``. Each is applied in
its own transaction, which also writes its ``AppliedOperation`` (unique on device and seq) and
moves the device's ``last_seq``: a lost answer, a duplicate or a replay of any prefix finds the
stored answer and changes nothing. An operation the rules refuse is stored as rejected with the
reason, so its replay is refused the same way; an operation that cannot be placed (a gap, a
device of another user, a seq that is not a number) is refused without being stored.

Operations are applied in runs (see ``_apply_run``): one transaction per run, a savepoint per
operation, the records bulk-inserted. Consecutive sales by code in a run go together through
erp.sales.services.sell_many (set-based: a run of sales costs about a dozen statements, not a
dozen each); a sale that files its client by phone first goes alone through sell_to_phone.
Consecutive client creates, and the client edits right after them, go together through
erp.clients.services.create_clients_many / update_clients_many (see ``_apply_clients``).

No business rule is written here: clients go through erp.clients.services, sales through
erp.sales.services.sell / sell_many / sell_to_phone. What this module adds is the protocol and the
conflicts (what the device believed versus what the server had meanwhile).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.clients import services as client_services
from erp.clients.models import Client
from erp.clients.selectors import clients_visible_to
from erp.core.parsers import first_too_long
from erp.core.services import insert_rows
from erp.core.texts import Text
from erp.messaging import selectors as sale_receipts
from erp.messaging import services as sms_services
from erp.sales import services as sale_services
from erp.sites.selectors import sites_visible_to
from erp.vouchers.models import Voucher

from .choices import ALLOWED_OPS, ConflictKind, Entity, Op, Outcome
from .models import AppliedOperation, ChangeLog, Conflict, Device, FeedPruned
from .records import client_record, sale_record, sms_record
from .selectors import horizon

CLIENT_EDITABLE = ("name", "phone", "notes", "mac_address", "marketing_consent")
# Fields compared one by one when two edits meet ("latest wins", the loser kept).
CLIENT_MERGED = ("name", "phone", "notes")


class Rejected(Exception):
    """The operation is refused; the message is for the person holding the phone."""


# (entity, op) -> handler(user, record_id, payload) -> the server's record. Registered by the
# layer that owns the process (workflows.fault_repair registers report_fault / record_repair in
# its AppConfig.ready), since erp.sync sits below workflows and must not import them.
OpHandler = Callable[[User, uuid.UUID, dict], dict]
HANDLERS: dict[tuple[str, str], OpHandler] = {}


def register_handler(entity: str, op: str, handler: OpHandler) -> None:
    """Let a pushed ``op`` on ``entity`` be applied by ``handler`` (inside the op's transaction;
    it raises Rejected, ValidationError or NotAllowed to refuse, and changes nothing then)."""
    HANDLERS[(str(entity), str(op))] = handler


@dataclass
class Outcome_:
    outcome: str
    reason: str = ""
    record: dict | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _answer(seq, outcome: str, **extra) -> dict[str, Any]:
    return {"seq": seq, "outcome": outcome, **{k: v for k, v in extra.items() if v}}


def fingerprint(op: dict) -> str:
    """The operation as sent, canonical: the same seq with another operation is refused."""
    canonical = json.dumps(
        {k: op.get(k) for k in ("op", "entity", "id", "payload", "client_time")},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            text = " ".join(errors)
            parts.append(text if name == "__all__" else f"{name}: {text}")
        return " ".join(parts)
    return " ".join(exc.messages)


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Rejected(_("%(what)s is not a valid UUID.") % {"what": what}) from None


# --- the push ---------------------------------------------------------------------------------
def push(*, user: User, ops: list, user_agent: str = "") -> list[dict[str, Any]]:
    """Apply a device's operations; one answer per operation, in the order sent."""
    answers: list[dict[str, Any] | None] = [None] * len(ops)
    by_device: dict[uuid.UUID, list[tuple[int, dict]]] = {}
    for index, op in enumerate(ops):
        seq = op.get("seq") if isinstance(op, dict) else None
        if not isinstance(op, dict):
            answers[index] = _answer(None, Outcome.REJECTED, reason=_("An operation is an object."))
            continue
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            answers[index] = _answer(
                seq, Outcome.REJECTED, reason=_("seq must be a whole number from 1 up.")
            )
            continue
        try:
            device_id = _uuid(op.get("device_id"), "device_id")
        except Rejected as exc:
            answers[index] = _answer(seq, Outcome.REJECTED, reason=str(exc))
            continue
        by_device.setdefault(device_id, []).append((index, op))
    context = PushContext(user)
    for device_id, device_ops in by_device.items():
        for index, answer in _push_device(context, device_id, device_ops, user_agent):
            answers[index] = answer
    return answers  # type: ignore[return-value]


class PushContext:
    """What every operation of one push would otherwise read again: the user's sites (the
    scope a new client is filed in) and which of the pushed client ids exist already."""

    def __init__(self, user: User):
        self.user = user
        self._sites: list | None = None
        self.existing_clients: set[uuid.UUID] = set()

    def sites(self) -> list:
        if self._sites is None:
            self._sites = list(sites_visible_to(self.user).order_by("pk"))
        return self._sites

    def know_clients(self, ops: list[dict]) -> None:
        """One query for every client a create in this push names (a create of an id that
        exists is refused; a later create of the same id in the push is caught the same way
        because the first one adds it here)."""
        ids = set()
        for op in ops:
            if op.get("entity") == Entity.CLIENT and op.get("op") == Op.CREATE:
                try:
                    ids.add(uuid.UUID(str(op.get("id"))))
                except (TypeError, ValueError, AttributeError):
                    continue
        if ids:
            self.existing_clients |= set(
                Client.objects.filter(pk__in=ids).values_list("pk", flat=True)
            )


def _device_for(user: User, device_id: uuid.UUID, user_agent: str) -> Device:
    device = Device.objects.filter(pk=device_id).first()
    if device is None:
        try:
            with transaction.atomic():
                device = Device.objects.create(pk=device_id, user=user, user_agent=user_agent[:200])
        except IntegrityError:  # registered by a concurrent push
            device = Device.objects.get(pk=device_id)
    if device.user_id != user.pk:
        raise Rejected(_("This device is registered to another user: sign in as that user."))
    return device


def _retry(seq, blocked_from) -> dict[str, Any]:
    return _answer(
        seq,
        Outcome.REJECTED,
        reason=_("Operation %(n)s has not arrived: send the operations in order from %(n)s.")
        % {"n": blocked_from},
        retry=True,
    )


def _push_device(context: PushContext, device_id, device_ops, user_agent):
    """The device's operations: answered from the stored answers (replays), refused (a gap),
    or applied in order, several to a transaction (see ``_apply_run``)."""
    user = context.user
    try:
        device = _device_for(user, device_id, user_agent)
    except Rejected as exc:
        return [
            (index, _answer(op["seq"], Outcome.REJECTED, reason=str(exc)))
            for index, op in device_ops
        ]
    # Everything already applied, in one query: a replay of 1,000 operations is one read.
    stored: dict[int, tuple[str, dict]] = {
        row.seq: (row.fingerprint, row.result)
        for row in AppliedOperation.objects.filter(
            device=device, seq__in=[op["seq"] for _i, op in device_ops]
        ).only("seq", "fingerprint", "result")
    }
    results: list[tuple[int, dict]] = []
    run: list[tuple[int, dict]] = []  # to apply: seqs from last_seq + 1 without a gap
    repeats: list[tuple[int, dict]] = []  # a seq sent twice in this push, the second time
    planned: set[int] = set()
    expected = device.last_seq + 1
    blocked_from = None
    for index, op in device_ops:
        seq = op["seq"]
        if seq in stored:
            results.append((index, _replayed(stored[seq], op)))
        elif seq in planned:
            repeats.append((index, op))
        elif blocked_from is not None or seq > expected:
            blocked_from = blocked_from or expected
            results.append((index, _retry(seq, blocked_from)))
        elif seq < expected:
            # Applied by a concurrent push of the same device since our read.
            results.append((index, _replayed(_stored_one(device, seq), op)))
        else:
            run.append((index, op))
            planned.add(seq)
            expected = seq + 1
    context.know_clients([op for _i, op in run])
    position = 0
    while position < len(run):
        done, applied = _apply_run(context, device, run[position:])
        for (index, op), answer in zip(run[position:], applied, strict=False):
            results.append((index, answer))
            if repeats and not answer.get("retry"):  # what a seq sent twice is answered
                stored[op["seq"]] = (fingerprint(op), answer)
        if done == 0 or any(a.get("retry") for a in applied):
            for index, op in run[position + len(applied) :]:
                results.append((index, _retry(op["seq"], op["seq"])))
            break
        position += done
    for index, op in repeats:
        prior = stored.get(op["seq"])
        results.append(
            (
                index,
                _replayed(prior, op) if prior else _retry(op["seq"], op["seq"]),
            )
        )
    return results


def _stored_one(device: Device, seq: int) -> tuple[str, dict] | None:
    row = AppliedOperation.objects.filter(device=device, seq=seq).first()
    return (row.fingerprint, row.result) if row is not None else None


def _replayed(prior: tuple[str, dict] | None, op: dict) -> dict[str, Any]:
    if prior is None:
        return _answer(op["seq"], Outcome.REJECTED, reason=_("Out of order."), retry=True)
    if prior[0] != fingerprint(op):
        return _answer(
            op["seq"],
            Outcome.REJECTED,
            reason=_("Operation %(n)s was already used for a different change.") % {"n": op["seq"]},
        )
    return prior[1]


def _apply_run(context: PushContext, device: Device, run: list[tuple[int, dict]]):
    """Apply operations of consecutive seqs in one transaction, each effect in its own
    savepoint (an operation refused is undone alone), until SYNC_TX_OPS operations or
    SYNC_TX_MS milliseconds: the commit (a disk flush) is paid once per run, not per
    operation, and the locks a sale takes (the site's receipt counter) are held for at most
    about SYNC_TX_MS. The operations' records, the device's last_seq and the effects commit
    together, so a replay still finds each applied exactly once.

    Returns (how many were applied or stored, their answers). An unexpected error (a bug, the
    database gone) commits the operations before it and is raised: the device sends the rest
    again."""
    user = context.user
    answers: list[dict[str, Any]] = []
    failure: BaseException | None = None
    started = time.monotonic()
    budget = settings.SYNC_TX_MS / 1000
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        first = run[0][1]["seq"]
        if locked.last_seq != first - 1:
            # A concurrent push of this device moved on meanwhile: answer from its records.
            prior = _stored_one(device, first)
            return 0, [_replayed(prior, run[0][1])]
        rows: list[AppliedOperation] = []
        conflicts: list[tuple[int, Conflict]] = []
        todo = [op for _index, op in run[: settings.SYNC_TX_OPS]]
        while len(rows) < len(todo):
            received = timezone.now()
            sales = []
            for op in todo[len(rows) :]:
                if not _batchable(op):
                    break
                sales.append(op)
            group = [] if sales else _client_group(todo[len(rows) :])
            try:
                # sales and client creates/edits interleaved (a phone's usual queue): each
                # kind set-based once for the stretch, not once per short run of it
                applied = _apply_mixed(context, todo[len(rows) :], received)
                if applied:
                    sales = group = []
                if len(sales) > 1:  # a run of sales: set-based (erp.sales.services.sell_many)
                    with transaction.atomic():  # nothing of it kept without its records
                        applied = _apply_sales(context, sales, received)
                elif group:  # client creates then edits: set-based (erp.clients.services)
                    try:
                        with transaction.atomic():
                            applied, made = _apply_clients(context, group)
                        context.existing_clients |= made
                    except IntegrityError:  # a phone filed at this moment elsewhere
                        applied = []  # undone: one by one, which answers it
                if not applied:
                    applied = [_apply_op(context, todo[len(rows)], received)]
            except Exception as exc:  # noqa: BLE001 - re-raised once the run before it commits
                failure = exc
                break
            for answer, op_conflicts in applied:
                op = todo[len(rows)]
                rows.append(
                    AppliedOperation(
                        device=device,
                        seq=op["seq"],
                        op=str(op.get("op") or "")[:16],
                        entity=str(op.get("entity") or "")[:16],
                        entity_id=str(op.get("id") or "")[:64],
                        fingerprint=fingerprint(op),
                        outcome=answer["outcome"],
                        result=answer,
                        client_time=_client_time(op.get("client_time")),
                        received_at=received,
                    )
                )
                conflicts.extend((len(rows) - 1, c) for c in op_conflicts)
                answers.append(answer)
            if time.monotonic() - started > budget:
                break
        if rows:
            insert_rows(rows)
            if conflicts:  # rare: their operations' ids (COPY returns none), one insert each
                ids = dict(
                    AppliedOperation.objects.filter(
                        device=device, seq__in=[rows[p].seq for p, _c in conflicts]
                    ).values_list("seq", "pk")
                )
                for position, _conflict in conflicts:
                    rows[position].pk = ids[rows[position].seq]
            for position, conflict in conflicts:
                conflict.operation = rows[position]
                conflict.user = user
                conflict._history_user = user
                conflict.save(force_insert=True)
            Device.objects.filter(pk=device.pk).update(
                last_seq=rows[-1].seq, last_push_at=rows[-1].received_at
            )
    if failure is not None:
        raise failure
    return len(rows), answers


# A sale writes only inside the sale service's own atomic block (sell, and sell_to_phone with
# the buyer's client): a refused sale leaves nothing behind, so it needs no savepoint of its
# own here (two round trips fewer a sale). Every other operation gets one.
SALE_SELL = (Entity.SALE.value, Op.SELL.value)
SELF_CONTAINED = {SALE_SELL}


def _apply_op(context: PushContext, op: dict, received: datetime):
    """One operation's effect in its own savepoint, and the answer the device gets."""
    kind = _kind(op)
    savepoint = kind not in SELF_CONTAINED or kind in HANDLERS
    try:
        with transaction.atomic() if savepoint else nullcontext():  # undone alone if refused
            done = _dispatch(context, op, received)
    except (Rejected, ValidationError, PermissionDenied) as exc:
        done = _refused(exc)
    return _answer_of(op, done)


def _refused(exc: Exception) -> Outcome_:
    """The answer to an operation the rules refused."""
    if isinstance(exc, ValidationError):
        return Outcome_(Outcome.REJECTED, reason=_messages(exc))
    if isinstance(exc, PermissionDenied):  # NotAllowed: who the user is (a discount, a delete)
        return Outcome_(Outcome.REJECTED, reason=str(exc) or _("You may not do this."))
    return Outcome_(Outcome.REJECTED, reason=str(exc))


def _answer_of(op: dict, done: Outcome_):
    """The device's answer to one operation, and its conflict records to save."""
    answer = _answer(
        op["seq"],
        done.outcome,
        reason=done.reason,
        record=done.record,
        flags=done.flags,
        id=str(op.get("id") or ""),
    )
    if done.conflicts:  # their UUIDs exist before they are saved: one insert each
        answer["conflicts"] = [
            {"kind": c.kind, "field": c.field, "detail": c.detail, "id": str(c.pk)}
            for c in done.conflicts
        ]
    return answer, done.conflicts


def _client_time(raw) -> datetime | None:
    if not raw or not isinstance(raw, str):
        return None
    value = parse_datetime(raw)
    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _dispatch(context: PushContext, op: dict, received: datetime) -> Outcome_:
    user = context.user
    name, entity, record_id, payload = _parsed(op)
    handler = HANDLERS.get((entity, name))
    if handler is not None:
        return Outcome_(Outcome.APPLIED, record=handler(user, record_id, payload))
    if entity not in (Entity.CLIENT, Entity.SALE):
        raise Rejected(_("This server cannot apply %(op)r yet.") % {"op": name})
    if entity == Entity.SALE and name == Op.SEND_SMS:
        return _send_sms(user, record_id, payload)
    if entity == Entity.SALE:
        return _sell(user, record_id, payload, op.get("client_time"), received)
    if name == Op.CREATE:
        return _create_client(context, record_id, payload)
    if name == Op.UPDATE:
        return _update_client(user, record_id, payload)
    return _delete_client(user, record_id)


# what of an operation is checked for length (device_id and seq are read before, as numbers)
OP_TEXTS = ("op", "entity", "id", "payload", "client_time")
ENTITIES, OPS = frozenset(Entity.values), frozenset(Op.values)  # .values builds a list a call


def _kind(op: dict) -> tuple[str | None, str | None]:
    """An operation's (entity, op), to look up; what is not text (a list sent as the entity)
    is None, which no table holds: `_parsed` refuses it."""
    entity, name = op.get("entity"), op.get("op")
    return (
        entity if isinstance(entity, str) else None,
        name if isinstance(name, str) else None,
    )


def _parsed(op: dict) -> tuple[str, str, uuid.UUID, dict]:
    """An operation's name, entity, record id and payload, or Rejected (a text longer than its
    field may be among them: the limit of every API body, applied to this operation alone)."""
    too_long = first_too_long({k: op.get(k) for k in OP_TEXTS})
    if too_long:
        raise Rejected(too_long)
    name, entity = op.get("op"), op.get("entity")
    if not isinstance(entity, str) or entity not in ENTITIES:
        raise Rejected(_("Unknown entity %(entity)r.") % {"entity": entity})
    if not isinstance(name, str) or name not in OPS:
        raise Rejected(_("Unknown operation %(op)r.") % {"op": name})
    if name not in ALLOWED_OPS.get(entity, ()):
        raise Rejected(
            _("A %(entity)s cannot be changed with %(op)r from the field app.")
            % {"entity": entity, "op": name}
        )
    record_id = _uuid(op.get("id"), "id")
    payload = op.get("payload")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise Rejected(_("payload must be an object."))
    return name, entity, record_id, payload


# --- clients ----------------------------------------------------------------------------------
def _client_fields(payload: dict, allowed=CLIENT_EDITABLE) -> dict[str, Any]:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise Rejected(_("Unknown client fields: %(f)s.") % {"f": ", ".join(unknown)})
    fields = {}
    for name, value in payload.items():
        if name == "marketing_consent":
            if not isinstance(value, bool):
                raise Rejected(_("marketing_consent is true or false."))
        elif not isinstance(value, str):
            raise Rejected(_("%(f)s must be text.") % {"f": name})
        fields[name] = value
    return fields


def _create_args(context: PushContext, record_id: uuid.UUID, payload: dict):
    """A pushed create's site and fields, or Rejected (nothing is written before)."""
    payload = dict(payload)
    site_id = payload.pop("site_id", None)
    fields = _client_fields(payload)
    if record_id in context.existing_clients:
        raise Rejected(_("A client with this id already exists."))
    sites = context.sites()
    if site_id:
        wanted = _uuid(site_id, "site_id")
        site = next((s for s in sites if s.pk == wanted), None)
        if site is None:
            raise Rejected(_("site_id: Select a site you work on."))
    else:
        if len(sites) != 1:
            raise Rejected(_("site_id: Say at which site the client is."))
        site = sites[0]
    return site, fields


def _create_client(context: PushContext, record_id: uuid.UUID, payload: dict) -> Outcome_:
    user = context.user
    site, fields = _create_args(context, record_id, payload)
    try:
        client = client_services.create_client(actor=user, id=record_id, site=site, **fields)
        context.existing_clients.add(record_id)
    except ValidationError as exc:
        try:
            phone = client_services.normalize_phone(fields.get("phone"))
        except ValidationError:
            raise exc from None
        # one client per person (phone) across sites
        existing = clients_visible_to(user).filter(phone=phone).first()
        if existing is None:
            if Client.objects.filter(phone=phone).exists():
                raise Rejected(
                    _(
                        "phone: This person is already a client of another agent; a sale to "
                        "the phone finds that client."
                    )
                ) from None
            raise
        # Filed meanwhile by someone else (or by this agent on another device): one client.
        return Outcome_(
            Outcome.CONFLICT,
            reason=_("This phone is already a client; the app uses that record."),
            record=client_record(existing),
            conflicts=[
                Conflict(
                    kind=ConflictKind.DUPLICATE_CLIENT,
                    entity=Entity.CLIENT,
                    entity_id=str(existing.pk),
                    field="phone",
                    server_value=client_record(existing),
                    device_value={"id": str(record_id), **fields},
                    detail=_messages(exc),
                )
            ],
        )
    return Outcome_(Outcome.APPLIED, record=client_record(client))


def _update_client(user: User, record_id: uuid.UUID, payload: dict) -> Outcome_:
    """Latest wins per field, by server receive order; an edit that overwrote a value the
    device had not seen (``base`` differs from the server's) leaves a conflict record."""
    fields, base = _edit_args(payload)
    client = clients_visible_to(user).select_for_update(of=("self",)).filter(pk=record_id).first()
    if client is None:
        raise Rejected(_("No such client in your records."))
    conflicts = _edit_conflicts(client, fields, base)
    client = client_services.update_client(actor=user, client=client, **fields)
    return _edited(client, conflicts)


def _edit_args(payload: dict) -> tuple[dict, dict]:
    """A pushed edit's fields and the values the device based it on, or Rejected."""
    fields = payload.get("fields", {})
    base = payload.get("base", {}) or {}
    if not isinstance(fields, dict) or not isinstance(base, dict):
        raise Rejected(_("payload.fields and payload.base must be objects."))
    return _client_fields(fields), base


def _edited(client: Client, conflicts: list[Conflict]) -> Outcome_:
    return Outcome_(
        Outcome.APPLIED if not conflicts else Outcome.CONFLICT,
        record=client_record(client),
        conflicts=conflicts,
        reason=_("Your edit won; the value it replaced is kept.") if conflicts else "",
    )


def _edit_conflicts(client: Client, fields: dict, base: dict) -> list[Conflict]:
    """The fields the server changed since the device's ``base`` that this edit overwrites."""
    conflicts = []
    for name in CLIENT_MERGED:
        if name not in fields or name not in base:
            continue
        current = str(getattr(client, name) or "")
        if current != str(base[name] or "") and current != str(fields[name] or ""):
            conflicts.append(
                Conflict(
                    kind=ConflictKind.CLIENT_FIELD,
                    entity=Entity.CLIENT,
                    entity_id=str(client.pk),
                    field=name,
                    server_value=current,
                    device_value=fields[name],
                    detail=Text(
                        gettext_noop(
                            "Changed on the server meanwhile; the later edit (this one) won."
                        )
                    ),
                )
            )
    return conflicts


def _delete_client(user: User, record_id: uuid.UUID) -> Outcome_:
    client = clients_visible_to(user).filter(pk=record_id).first()
    if client is None:
        return Outcome_(Outcome.APPLIED, record={"id": str(record_id), "deleted": True})
    client_services.delete_client(actor=user, client=client)
    return Outcome_(Outcome.APPLIED, record={"id": str(record_id), "deleted": True})


# --- sales ------------------------------------------------------------------------------------
def sale_time(client_time, received: datetime) -> tuple[datetime, bool]:
    """The device's time of the sale if it is within the sane window before (offline days) or
    just after the server's receive time; else the receive time, flagged."""
    value = _client_time(client_time)
    if value is None:
        return received, client_time not in (None, "")
    earliest = received - timedelta(hours=settings.SYNC_CLOCK_PAST_HOURS)
    latest = received + timedelta(minutes=settings.SYNC_CLOCK_FUTURE_MINUTES)
    if earliest <= value <= latest:
        return value, False
    return received, True


@dataclass
class PushedSale:
    """A pushed sale operation read and checked for its form: what `sell` is called with."""

    key: uuid.UUID
    payload: dict
    client_time: Any
    code: str
    method: str
    reference: str
    discount: Decimal
    client: Client | None
    phone: str | None
    sold_at: datetime
    skewed: bool

    def request(self) -> sale_services.SaleRequest:
        return sale_services.SaleRequest(
            idempotency_key=self.key,
            payment_method=self.method,
            code=self.code,
            discount=self.discount,
            payment_reference=self.reference,
            client=self.client,
            sold_at=self.sold_at,
        )


SALE_FIELDS = {
    "code",
    "payment_method",
    "payment_reference",
    "discount",
    "client_id",
    "client_phone",
    "client_name",
}


def _pushed_sale(
    user: User, key: uuid.UUID, payload: dict, client_time, received, clients=None
) -> PushedSale:
    """Read a pushed sale (Rejected if malformed). ``clients``: the user's clients by id when
    the caller read them for a whole run; else the one named is looked up."""
    unknown = sorted(set(payload) - SALE_FIELDS)
    if unknown:
        raise Rejected(_("Unknown sale fields: %(f)s.") % {"f": ", ".join(unknown)})
    code = payload.get("code")
    if not isinstance(code, str) or not code.strip():
        raise Rejected(_("code: Give the code of the voucher sold."))
    method = payload.get("payment_method")
    reference = payload.get("payment_reference") or ""
    if not isinstance(method, str) or not isinstance(reference, str):
        raise Rejected(_("payment_method and payment_reference are text."))
    try:
        discount = Decimal(str(payload.get("discount") or "0"))
    except InvalidOperation:
        raise Rejected(_("discount: Give an amount.")) from None
    client = None
    if payload.get("client_id"):
        client_id = _uuid(payload["client_id"], "client_id")
        if clients is not None:
            client = clients.get(client_id)
        else:
            client = clients_visible_to(user).filter(pk=client_id).first()
        if client is None:
            raise Rejected(_("client_id: No such client in your records."))
    phone = payload.get("client_phone") or None
    if phone is not None and not isinstance(phone, str):
        raise Rejected(_("client_phone is text."))
    sold_at, skewed = sale_time(client_time, received)
    return PushedSale(
        key=key,
        payload=payload,
        client_time=client_time,
        code=code,
        method=method,
        reference=reference,
        discount=discount,
        client=client,
        phone=phone,
        sold_at=sold_at,
        skewed=skewed,
    )


def _sell(user: User, key: uuid.UUID, payload: dict, client_time, received) -> Outcome_:
    pushed = _pushed_sale(user, key, payload, client_time, received)
    try:
        result = (
            sale_services.sell_to_phone(
                seller=user,
                idempotency_key=key,
                payment_method=pushed.method,
                phone=pushed.phone,
                name=str(payload.get("client_name") or ""),
                code=pushed.code,
                discount=pushed.discount,
                payment_reference=pushed.reference,
                sold_at=pushed.sold_at,
            )
            if pushed.client is None
            else sale_services.sell(
                seller=user,
                idempotency_key=key,
                payment_method=pushed.method,
                code=pushed.code,
                discount=pushed.discount,
                payment_reference=pushed.reference,
                client=pushed.client,
                sold_at=pushed.sold_at,
            )
        )
    except sale_services.SALE_ERRORS as exc:
        result = exc
    return _sale_outcome(user, pushed, result)


def _sale_outcome(user: User, pushed: PushedSale, result) -> Outcome_:
    """The answer to a pushed sale from what the sale service gave: the sale, or the
    exception it raised (a voucher gone meanwhile is a conflict for Finance)."""
    code, payload = pushed.code, pushed.payload
    if isinstance(result, (sale_services.AlreadySold, sale_services.NotOnRouter)):
        return _money_conflict(
            user, code, str(result), payload, pushed.discount, pushed.client_time
        )
    if isinstance(result, sale_services.IdempotencyKeyReused):
        raise Rejected(str(result))
    if isinstance(result, ValidationError):
        if hasattr(result, "error_dict") and "code" in result.error_dict and _was_held(user, code):
            return _money_conflict(
                user,
                code,
                _("This voucher was moved out of your stock before the sale reached the office."),
                payload,
                pushed.discount,
                pushed.client_time,
            )
        raise result
    if isinstance(result, Exception):
        raise result
    sale, _created = result
    conflicts = []
    if pushed.skewed:
        conflicts.append(
            Conflict(
                kind=ConflictKind.CLOCK_SKEW,
                entity=Entity.SALE,
                entity_id=str(sale.pk),
                field="sold_at",
                server_value=pushed.sold_at.isoformat(),
                device_value=pushed.client_time,
                amount=sale.amount,
                detail=Text(
                    gettext_noop(
                        "The phone's clock was out of range: the sale is dated when it arrived."
                    )
                ),
            )
        )
    flags = ["clock_skew"] if pushed.skewed else []
    return Outcome_(Outcome.APPLIED, record=sale_record(sale), conflicts=conflicts, flags=flags)


def _batchable(op: dict) -> bool:
    """A sale that `sell_many` can take with others: by code, with no client to file by
    phone first (that one writes a client before its sale: it goes through `sell_to_phone`)."""
    if _kind(op) != SALE_SELL or SALE_SELL in HANDLERS:
        return False
    payload = op.get("payload")
    return not (
        isinstance(payload, dict) and payload.get("client_phone") and not payload.get("client_id")
    )


def _apply_sales(context: PushContext, ops: list[dict], received: datetime):
    """Consecutive pushed sales through `sell_many` (one set of statements for the run);
    answers as `_apply_op` gives them, for the first of ``ops`` (at least one)."""
    user = context.user
    outcomes: list[Outcome_ | None] = [None] * len(ops)
    read: list[tuple[int, uuid.UUID, dict]] = []
    client_ids = set()
    for n, op in enumerate(ops):
        try:
            _name, _entity, record_id, payload = _parsed(op)
        except Rejected as exc:
            outcomes[n] = _refused(exc)
            continue
        read.append((n, record_id, payload))
        with suppress(TypeError, ValueError, AttributeError):  # a bad one: refused below
            client_ids.add(uuid.UUID(str(payload.get("client_id"))))
    clients = (
        {c.pk: c for c in clients_visible_to(user).filter(pk__in=client_ids)} if client_ids else {}
    )
    pushed: list[tuple[int, PushedSale]] = []
    for n, record_id, payload in read:
        try:
            pushed.append(
                (
                    n,
                    _pushed_sale(
                        user, record_id, payload, ops[n].get("client_time"), received, clients
                    ),
                )
            )
        except Rejected as exc:
            outcomes[n] = _refused(exc)
    results = sale_services.sell_many(seller=user, requests=[p.request() for _n, p in pushed])
    answered = len(ops) if len(results) == len(pushed) else pushed[len(results)][0]
    for (n, sale), result in zip(pushed, results, strict=False):
        try:
            outcomes[n] = _sale_outcome(user, sale, result)
        except (Rejected, ValidationError, PermissionDenied) as exc:
            outcomes[n] = _refused(exc)
    return [_answer_of(op, done) for op, done in zip(ops[:answered], outcomes, strict=False)]


CLIENT_GROUPED = ((Entity.CLIENT.value, Op.CREATE.value), (Entity.CLIENT.value, Op.UPDATE.value))


class _Undo(Exception):
    """A mixed stretch could not be applied as one by one would: undo it, go the plain way."""


def _names_no_client(op: dict) -> bool:
    """A batchable sale that names no client: nothing a client operation does can change it."""
    payload = op.get("payload")
    return (
        _batchable(op)
        and isinstance(payload, dict)
        and not payload.get("client_id")
        and not payload.get("client_phone")
    )


def _mergeable_client_op(op: dict) -> bool:
    """A client create, or an edit that keeps the phone (an edit that frees a phone a later
    create takes must come first: it goes the plain way)."""
    kind = _kind(op)
    if kind not in CLIENT_GROUPED or kind in HANDLERS:
        return False
    if kind[1] == Op.UPDATE:
        payload = op.get("payload")
        fields = payload.get("fields") if isinstance(payload, dict) else None
        return isinstance(fields, dict) and "phone" not in fields
    return True


def _apply_mixed(context: PushContext, ops: list[dict], received: datetime) -> list:
    """The head of ``ops`` where sales that name no client are interleaved with client creates
    and edits (what an agent's phone queues: sell, sell, add a client, sell…): its client
    operations through `_apply_clients` once (creates, then edits) and its sales through
    `sell_many` once, instead of once per short run of each. The two kinds cannot see each
    other (a sale here names no client; a client operation touches no voucher), so each keeps
    its own order and the answers are what one by one gives. In one savepoint: when a service
    stops early (a refusal it leaves to the plain path) after something later was applied, the
    stretch is undone and [] returned, as when there is no such stretch."""
    sales: list[tuple[int, dict]] = []
    clients: list[tuple[int, dict]] = []
    for i, op in enumerate(ops):
        if _names_no_client(op):
            sales.append((i, op))
        elif _mergeable_client_op(op):
            clients.append((i, op))
        else:
            break
    if len(sales) < 2 or not clients:
        return []
    cut = len(sales) + len(clients)  # the stretch: the head of ``ops`` taken above
    created_at = {
        str(op.get("id")): i for i, op in clients if op.get("op") == Op.CREATE and op.get("id")
    }
    for i, op in clients:  # an edit of a client created later in the queue: not yet
        if op.get("op") == Op.UPDATE and created_at.get(str(op.get("id")), -1) > i:
            cut = min(cut, i)
    ordered = [c for c in clients if c[1].get("op") == Op.CREATE and c[0] < cut]
    ordered += [c for c in clients if c[1].get("op") == Op.UPDATE and c[0] < cut]
    answers: dict[int, Any] = {}
    made: set = set()
    try:
        with transaction.atomic():
            client_answers, made = _apply_clients(context, [op for _i, op in ordered])
            for (i, _op), answer in zip(ordered, client_answers, strict=False):
                answers[i] = answer
            if len(client_answers) < len(ordered):
                cut = min(cut, min(i for i, _op in ordered[len(client_answers) :]))
            selling = [(i, op) for i, op in sales if i < cut]
            sold = _apply_sales(context, [op for _i, op in selling], received) if selling else []
            for (i, _op), answer in zip(selling, sold, strict=False):
                answers[i] = answer
            if len(sold) < len(selling):
                cut = min(cut, selling[len(sold)][0])
            if any(i >= cut for i in answers) or any(i not in answers for i in range(cut)):
                raise _Undo
    except (_Undo, IntegrityError):  # IntegrityError: a phone filed at this moment elsewhere
        return []
    context.existing_clients |= made
    return [answers[i] for i in range(cut)]


def _client_group(ops: list[dict]) -> list[dict]:
    """The client creates at the head of ``ops`` and the client edits right after them: what
    `_apply_clients` may take together (creates first, so an edit of a client created just
    before finds it, as one by one)."""
    group: list[dict] = []
    for kind in CLIENT_GROUPED:
        if kind in HANDLERS:
            return group
        for op in ops[len(group) :]:
            if _kind(op) != kind:
                break
            group.append(op)
    return group


def _apply_clients(context: PushContext, ops: list[dict]) -> tuple[list, set]:
    """Consecutive pushed client creates, then edits, through `create_clients_many` and
    `update_clients_many` (a few statements for the group, not ~10 an operation): the answers
    `_apply_op` gives, for the longest prefix the set-based services certainly apply as one by
    one would; the caller applies the next one alone (a refusal, a phone already filed, a
    second edit of the same client) and calls again with the rest. Also the ids created."""
    user = context.user
    answers: list = []
    creates: list[tuple[dict, uuid.UUID, Any, dict]] = []
    for op in ops:
        if op.get("op") != Op.CREATE:
            break
        try:
            _name, _entity, record_id, payload = _parsed(op)
            site, fields = _create_args(context, record_id, payload)
        except Rejected:
            break
        if any(record_id == other for _o, other, _s, _f in creates):
            break
        creates.append((op, record_id, site, fields))
    made = client_services.create_clients_many(
        actor=user,
        clients=[
            {"id": record_id, "site": site, **fields} for _o, record_id, site, fields in creates
        ],
    )
    for (op, *_rest), client in zip(creates, made, strict=False):
        answers.append(_answer_of(op, Outcome_(Outcome.APPLIED, record=client_record(client))))
    rest = ops[len(made) :]
    if len(made) < len(creates) or not rest or rest[0].get("op") != Op.UPDATE:
        return answers, {c.pk for c in made}
    edits: list[tuple[dict, uuid.UUID, dict, dict]] = []
    for op in rest:
        try:
            _name, _entity, record_id, payload = _parsed(op)
            fields, base = _edit_args(payload)
        except Rejected:
            break
        if any(record_id == other for _o, other, _f, _b in edits):
            break  # its answer depends on the first edit's: the next call
        edits.append((op, record_id, fields, base))
    locked = {
        c.pk: c
        for c in clients_visible_to(user)
        .select_for_update(of=("self",))
        .filter(pk__in=[record_id for _o, record_id, _f, _b in edits])
    }
    changes, conflicts = [], []
    for _op, record_id, fields, base in edits:
        client = locked.get(record_id)
        if client is None:
            break  # refused one by one, with its reason
        conflicts.append(_edit_conflicts(client, fields, base))
        changes.append((client, fields))
    updated = client_services.update_clients_many(actor=user, changes=changes)
    for (op, *_rest), client, found in zip(edits, updated, conflicts, strict=False):
        answers.append(_answer_of(op, _edited(client, found)))
    return answers, {c.pk for c in made}


# --- the receipt SMS of a sale -------------------------------------------------------------------
SMS_FIELDS = {"phone", "via", "text", "again"}
SMS_VIA = ("gateway", "phone")


def _send_sms(user: User, key: uuid.UUID, payload: dict) -> Outcome_:
    """The receipt SMS of one of the agent's own sales (``id``: the sale's id on the phone),
    through erp.messaging.services.send_sale_receipt, the path the sale's own receipt takes:
    ``via`` "gateway" queues it for the SMS gateway; "phone" logs the ``text`` the phone's
    SMS app sent, so no second copy goes out. A sale has one receipt SMS: asked again, the
    answer is the message already there, unless it failed or expired and ``again`` is true:
    then it is sent once more (the failed one stays in the SMS log)."""
    unknown = sorted(set(payload) - SMS_FIELDS)
    if unknown:
        raise Rejected(_("Unknown SMS fields: %(f)s.") % {"f": ", ".join(unknown)})
    via = payload.get("via") or "gateway"
    phone = payload.get("phone") or ""
    text = payload.get("text") or ""
    if via not in SMS_VIA:
        raise Rejected(_("via: gateway or phone."))
    if not isinstance(phone, str) or not isinstance(text, str):
        raise Rejected(_("phone and text are text."))
    if via == "phone" and not text.strip():
        raise Rejected(_("text: the text the phone sent."))
    again = payload.get("again", False)
    if not isinstance(again, bool):
        raise Rejected(_("again is true or false."))
    sale = sale_receipts.sales_for_receipt().filter(seller=user, idempotency_key=key).first()
    if sale is None:
        raise Rejected(
            _("No sale of yours with this id: a sale refused or in conflict has no receipt.")
        )
    try:
        send = sms_services.send_sale_receipt_again if again else sms_services.send_sale_receipt
        message, created = send(
            sale=sale, phone=phone, sent_by_phone=text if via == "phone" else ""
        )
    except sms_services.NoGateway:
        if via != "phone":
            raise
        # sent by the phone and nothing to log it on: nothing could send a second copy either
        return Outcome_(Outcome.APPLIED, record={"id": str(key), "sms": {"state": "sent"}})
    reason = ""
    if not created:
        reason = _("This sale's receipt SMS was already queued (to %(phone)s): not sent again.") % {
            "phone": message.phone
        }
    return Outcome_(
        Outcome.APPLIED,
        reason=reason,
        record={"id": str(key), "sms": sms_record(message)},
        flags=[] if created else ["already_queued"],
    )


def _was_held(user: User, code: str) -> bool:
    """Was this code ever in the user's stock (the change feed logged it as theirs)?"""
    cleaned = "".join(code.split()).upper()
    voucher_id = Voucher.objects.filter(code=cleaned).values_list("pk", flat=True).first()
    if voucher_id is None:
        return False
    return ChangeLog.objects.filter(
        entity=Entity.VOUCHER, entity_id=str(voucher_id), owner=user
    ).exists()


def _money_conflict(user, code, reason, payload, discount, client_time) -> Outcome_:
    """The agent took money for a voucher that is no longer theirs to sell: Finance settles."""
    cleaned = "".join(code.split()).upper()
    voucher = Voucher.objects.select_related("package").filter(code=cleaned).first()
    amount = None
    if voucher is not None:
        amount = max(voucher.package.price - discount, Decimal("0"))
    return Outcome_(
        Outcome.CONFLICT,
        reason=reason,
        conflicts=[
            Conflict(
                kind=ConflictKind.VOUCHER_UNAVAILABLE,
                entity=Entity.VOUCHER,
                entity_id=str(voucher.pk) if voucher else cleaned,
                field="status",
                server_value=voucher.status if voucher else None,
                device_value={"code": cleaned, "client_time": client_time, **payload},
                amount=amount,
                detail=reason,
            )
        ],
    )


def note_pull(*, user: User, device_id) -> None:
    """When the device last pulled (its own device only; anything else is ignored)."""
    try:
        device_id = uuid.UUID(str(device_id))
    except (TypeError, ValueError):
        return
    Device.objects.filter(pk=device_id, user=user).update(last_pull_at=timezone.now())


# --- settling ---------------------------------------------------------------------------------
@transaction.atomic
def settle_conflict(*, actor: User, conflict: Conflict, resolution: str) -> Conflict:
    """Finance (or the Super Admin) says how a conflict was settled; it stays on record."""
    if not actor.has_perm("sync.change_conflict"):
        raise ValidationError(_("You may not settle sync conflicts."))
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how it was settled.")})
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved_at is not None:
        raise ValidationError(_("This conflict was already settled."))
    conflict.resolved_at = timezone.now()
    conflict.resolved_by = actor
    conflict.resolution = resolution.strip()[:300]
    conflict._history_user = actor
    conflict.save()
    return conflict


def device_key_secret(user) -> bytes:
    """The secret that wraps the field app's local encryption key (codes at rest).

    Derived, never stored: HMAC of the server's SECRET_KEY with the user and their password
    hash, so it is only handed out to a signed-in user and changes when the password does
    (the old copy on a lost phone can then no longer be unwrapped with it).
    """
    message = f"field-app-key|{user.pk}|{user.password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


# --- the change feed's age ----------------------------------------------------------------------
PRUNE_CHUNK = 10_000


def prune_change_feed(*, keep_days: int | None = None, now: datetime | None = None) -> int:
    """Delete the feed's rows older than ``keep_days`` (SYNC_FEED_KEEP_DAYS), in feed order:
    everything up to the last old row that every running transaction is past, so no device
    reading the feed afterwards misses a row silently — one whose cursor is before that point
    is told its cursor is too old and syncs from scratch. Deletes in chunks (short locks)."""
    keep_days = settings.SYNC_FEED_KEEP_DAYS if keep_days is None else keep_days
    cutoff = (now or timezone.now()) - timedelta(days=keep_days)
    top, _own = horizon()
    last = (
        ChangeLog.objects.filter(changed_at__lt=cutoff, txid__lt=top)
        .order_by("-txid", "-id")
        .values_list("txid", "id")
        .first()
    )
    if last is None:
        return 0
    txid, last_id = last
    upto = Q(txid__lt=txid) | Q(txid=txid, id__lte=last_id)
    with transaction.atomic():
        # The mark first (it only moves forward): a pull checks it before it reads the feed.
        mark, _created = FeedPruned.objects.select_for_update().get_or_create(pk=1)
        if (mark.txid, mark.last_id) < (txid, last_id):
            mark.txid, mark.last_id = txid, last_id
        mark.pruned_at = timezone.now()
        mark.save()
    deleted = 0
    while True:
        ids = list(
            ChangeLog.objects.filter(upto).order_by().values_list("id", flat=True)[:PRUNE_CHUNK]
        )
        if not ids:
            break
        deleted += ChangeLog.objects.filter(id__in=ids).delete()[0]
    FeedPruned.objects.filter(pk=1).update(rows=F("rows") + deleted)
    return deleted
