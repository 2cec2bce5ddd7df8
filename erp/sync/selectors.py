"""What a device pulls: every change visible to its user since a cursor, keyset-paged.

The cursor is opaque to the device. ``f.<txid>.<id>``: the change feed after that row, in
(transaction, id) order, read only below the oldest transaction still running on PostgreSQL, so
a change committed late is never stepped over. ``s.<txid>.<id>.<n>.<pk>``: a first sync still
copying the records themselves (entity n, after pk); it ends on the feed where it started.
Everything goes through the domain apps' selectors: an agent never receives another agent's
records; what the user may no longer see comes as a tombstone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.assets.selectors import parts_for_repairs
from erp.clients.selectors import clients_visible_to
from erp.core.money import to_money
from erp.maintenance.choices import FaultStatus
from erp.maintenance.selectors import faults_visible_to
from erp.messaging.selectors import sale_receipts
from erp.sales.models import Refund, Sale
from erp.sales.selectors import sales_visible_to
from erp.sales.services import agent_balance
from erp.sites.selectors import sites_visible_to
from erp.vouchers.models import Package
from erp.vouchers.selectors import vouchers_visible_to

from .choices import Entity
from .models import ChangeLog, Conflict, FeedPruned
from .records import (
    client_record,
    fault_record,
    package_record,
    part_record,
    sale_record,
    sms_record,
    voucher_record,
)

# Recent sales a first sync brings (the agent's day and week); older ones stay on the server.
SNAPSHOT_SALES_DAYS = 7
RECEIPT_SALES = 200  # the receipt states a pull brings: of the latest sales (the app shows 30)


class BadCursor(ValueError):
    """The cursor is not one this server handed out."""


class CursorTooOld(BadCursor):
    """The feed was pruned past the cursor: the device syncs from scratch (no cursor)."""


def _check_age(txid: int, last_id: int) -> None:
    mark = FeedPruned.objects.filter(pk=1).values_list("txid", "last_id").first()
    if mark is not None and (txid, last_id) < tuple(mark):
        raise CursorTooOld(f"{txid}.{last_id}")


def entities_for(user: User) -> list[str]:
    """Agents hold their stock, clients and sales; technicians their sites' faults."""
    entities = [Entity.PACKAGE]
    if user.has_role(Role.AGENT):
        entities += [Entity.VOUCHER, Entity.CLIENT, Entity.SALE]
    if user.has_role(Role.TECHNICAL):
        entities += [Entity.FAULT]
    return entities


def packages_visible_to(user: User) -> QuerySet[Package]:
    """The packages sold at the user's sites (the device's price list)."""
    return Package.objects.filter(
        is_active=True, sites__in=sites_visible_to(user).values("pk")
    ).distinct()


def _querysets(user: User) -> dict[str, QuerySet]:
    refunded = Exists(Refund.objects.filter(sale=OuterRef("pk")))
    return {
        Entity.PACKAGE: packages_visible_to(user),
        Entity.VOUCHER: vouchers_visible_to(user).select_related(None),
        Entity.CLIENT: clients_visible_to(user).select_related(None),
        Entity.SALE: sales_visible_to(user)
        .select_related(None)
        .select_related("voucher")
        .annotate(is_refunded=refunded),
        Entity.FAULT: faults_visible_to(user).select_related(None),
    }


RECORD = {
    Entity.PACKAGE: package_record,
    Entity.VOUCHER: voucher_record,
    Entity.CLIENT: client_record,
    Entity.SALE: sale_record,
    Entity.FAULT: fault_record,
}


def _snapshot_filter(entity: str, qs: QuerySet) -> QuerySet:
    """A first sync brings what the device works with, not the whole history."""
    if entity == Entity.VOUCHER:
        return qs.filter(status="unused")
    if entity == Entity.SALE:
        return qs.filter(sold_at__gte=timezone.now() - timedelta(days=SNAPSHOT_SALES_DAYS))
    if entity == Entity.FAULT:
        return qs.exclude(status=FaultStatus.CLOSED)
    return qs


def horizon() -> tuple[int, int | None]:
    """Every transaction with a smaller id has ended (PostgreSQL; SQLite writers take turns),
    and the id of the asking transaction if it wrote (its own rows are final to itself: a pull
    inside a test's transaction; a pull request never writes first)."""
    if connection.vendor != "postgresql":
        return 2**62, None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        return cursor.fetchone()


def _feed_start() -> tuple[int, int]:
    """Where the feed stands now: after a first sync copied the records, it goes on from here
    (PostgreSQL: every transaction from the horizon on; SQLite: after the last row)."""
    if connection.vendor == "postgresql":
        return horizon()[0], 0
    last = ChangeLog.objects.order_by("-id").values_list("id", flat=True).first()
    return 0, last or 0


def _parse(cursor: str | None) -> tuple:
    if not cursor:
        return ("s", *_feed_start(), 0, None)
    parts = cursor.split(".")
    try:
        if parts[0] == "f" and len(parts) == 3:
            return ("f", int(parts[1]), int(parts[2]))
        if parts[0] == "s" and len(parts) == 5:
            return ("s", int(parts[1]), int(parts[2]), int(parts[3]), parts[4] or None)
    except ValueError:
        pass
    raise BadCursor(cursor)


def pull(user: User, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """One page of changes for ``user`` and the cursor to ask for the next."""
    limit = min(limit or settings.SYNC_PAGE_SIZE, settings.SYNC_PAGE_SIZE)
    state = _parse(cursor)
    if cursor:  # a first sync (no cursor) starts on the feed as it is now
        _check_age(state[1], state[2])
    if state[0] == "s":
        return _snapshot_page(user, state, limit)
    return _feed_page(user, state[1], state[2], limit)


def _snapshot_page(user: User, state: tuple, limit: int) -> dict[str, Any]:
    _s, start_txid, start_id, index, after = state
    entities = entities_for(user)
    querysets = _querysets(user)
    changes: list[dict] = []
    while index < len(entities) and len(changes) < limit:
        entity = entities[index]
        qs = _snapshot_filter(entity, querysets[entity]).order_by("pk")
        if after is not None:
            qs = qs.filter(pk__gt=after)
        want = limit - len(changes)
        rows = list(qs[:want])
        changes += [
            {
                "entity": entity,
                "id": _key(entity, r.pk),
                "deleted": False,
                "data": RECORD[entity](r),
            }
            for r in rows
        ]
        if len(rows) < want:
            index, after = index + 1, None  # this entity is done
        else:
            after = str(rows[-1].pk)
    if index >= len(entities):
        return _page(user, changes, f"f.{start_txid}.{start_id}", more=False)
    return _page(user, changes, f"s.{start_txid}.{start_id}.{index}.{after or ''}", more=True)


def _feed_page(user: User, txid: int, last_id: int, limit: int) -> dict[str, Any]:
    top, own = horizon()
    entities = entities_for(user)
    after = Q(txid__gt=txid) | Q(txid=txid, id__gt=last_id)
    done = Q(txid__lt=top) | Q(txid=own) if own else Q(txid__lt=top)
    base = ChangeLog.objects.filter(after).filter(done).order_by("txid", "id")
    # Each part walks its own index in order; merged here (an OR would scan).
    parts = [base.filter(owner__isnull=True, site__isnull=True, entity__in=entities)]
    if user.has_role(Role.AGENT):
        parts.append(base.filter(owner=user, entity__in=entities))
    if Entity.FAULT in entities:
        parts.append(base.filter(entity=Entity.FAULT, site__in=sites_visible_to(user).values("pk")))
    rows = sorted(
        {row.id: row for part in parts for row in part[: limit + 1]}.values(),
        key=lambda r: (r.txid, r.id),
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return _page(user, [], f"f.{txid}.{last_id}", more=False)
    latest: dict[tuple[str, str], ChangeLog] = {}
    for row in rows:
        latest.pop((row.entity, row.entity_id), None)
        latest[(row.entity, row.entity_id)] = row  # keeps the order of the last change
    querysets = _querysets(user)
    found: dict[tuple[str, str], Any] = {}
    by_entity: dict[str, list[str]] = {}
    for (entity, entity_id), row in latest.items():
        if not row.deleted:
            by_entity.setdefault(entity, []).append(entity_id)
    for entity, ids in by_entity.items():
        for obj in querysets[entity].filter(pk__in=ids):
            found[(entity, _key(entity, obj.pk))] = obj
    changes = []
    for entity, entity_id in latest:
        key = (entity, _key(entity, entity_id))
        obj = found.get(key)
        if obj is None:
            changes.append({"entity": entity, "id": key[1], "deleted": True})
        else:
            changes.append(
                {"entity": entity, "id": key[1], "deleted": False, "data": RECORD[entity](obj)}
            )
    last = rows[-1]
    return _page(user, changes, f"f.{last.txid}.{last.id}", more=more)


def _key(entity: str, value) -> str:
    """Ids as the device knows them (SQLite stores UUIDs without dashes)."""
    if entity == Entity.VOUCHER:
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _page(user: User, changes: list[dict], cursor: str, *, more: bool) -> dict[str, Any]:
    page: dict[str, Any] = {
        "changes": changes,
        "cursor": cursor,
        "more": more,
        "server_time": timezone.now().isoformat(),
    }
    if not more:
        page["summary"] = summary(user)
    return page


def summary(user: User) -> dict[str, Any]:
    """My day as of this sync: what the agent owes, and the conflicts still open."""
    figures: dict[str, Any] = {
        "open_conflicts": Conflict.objects.filter(user=user, resolved_at__isnull=True).count()
    }
    if user.has_role(Role.AGENT):
        figures["balance_owed"] = str(to_money(agent_balance(user)))
        figures["sms"] = receipt_sms(user)
    if user.has_role(Role.TECHNICAL):
        # the repair form's parts, offline: the whole list as of this sync (a part moved
        # meanwhile is refused by the repair's own check, with the reason)
        figures["parts"] = [
            part_record(a) for a in parts_for_repairs(user)[: settings.SYNC_PARTS_MAX]
        ]
    return figures


def receipt_sms(user: User) -> dict[str, dict[str, Any]]:
    """The receipt SMS of the agent's recent sales by the sale's id on the phone (its
    idempotency key): a message queued at the last sync shows as sent or failed after the
    next one."""
    since = timezone.now() - timedelta(days=SNAPSHOT_SALES_DAYS)
    keys = dict(
        Sale.objects.filter(seller=user, sold_at__gte=since)
        .order_by("-sold_at")
        .values_list("pk", "idempotency_key")[:RECEIPT_SALES]
    )
    messages = sale_receipts(keys)
    return {str(keys[pk]): sms_record(messages[str(pk)]) for pk in keys if str(pk) in messages}


def conflicts_visible_to(user: User) -> QuerySet[Conflict]:
    """Finance and the Super Admin see every conflict; others their own."""
    conflicts = Conflict.objects.select_related("user", "operation")
    if user.has_perm("sync.view_conflict"):
        return conflicts
    return conflicts.filter(user=user)
