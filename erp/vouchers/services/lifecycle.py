"""A voucher's life: every status change goes through `transition` (checked against
TRANSITIONS); void, expiry, first use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.clients.services import extend_client_access
from erp.core.services import insert_rows, update_rows
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.services import (
    change_hotspot_users,
)
from erp.mikrotik.tasks import schedule_push
from erp.sales.models import Sale
from erp.sites.models import Router

from ..choices import (
    TRANSITIONS,
    VoucherEventKind,
    VoucherStatus,
)
from ..models import Voucher, VoucherEvent


# --- lifecycle --------------------------------------------------------------------------------
def _log(vouchers: Iterable[Voucher], kind: str, actor: User | None, note: str = "") -> None:
    now = timezone.now()
    VoucherEvent.objects.bulk_create(
        [
            VoucherEvent(voucher=v, kind=kind, at=now, actor=actor, note=note[:200])
            for v in vouchers
        ],
        batch_size=2000,
    )


def _move(voucher: Voucher, to: str, at) -> list[str]:
    """Check a move against the lifecycle and set it on the instance; the fields it changed.
    The one rule behind `transition` and `transitions`."""
    allowed = TRANSITIONS[voucher.status]
    if to not in allowed:
        raise ValidationError(
            _("A voucher that is %(current)s cannot become %(target)s.")
            % {
                "current": VoucherStatus(voucher.status).label.lower(),
                "target": VoucherStatus(to).label.lower(),
            }
        )
    voucher.status = to
    stamp = {
        VoucherStatus.SOLD: "sold_at",
        VoucherStatus.ACTIVE: "activated_at",
        VoucherStatus.VOID: "voided_at",
    }.get(to)
    changed = ["status"]
    if stamp:
        setattr(voucher, stamp, at)
        changed.append(stamp)
    if to == VoucherStatus.ACTIVE:
        voucher.expires_at = at + timedelta(seconds=voucher.package.validity_seconds)
        changed.append("expires_at")
    return changed


EVENT_OF = {
    VoucherStatus.SOLD: VoucherEventKind.SOLD,
    VoucherStatus.ACTIVE: VoucherEventKind.ACTIVATED,
    VoucherStatus.EXPIRED: VoucherEventKind.EXPIRED,
    VoucherStatus.VOID: VoucherEventKind.VOIDED,
}


def transition(
    voucher: Voucher, to: str, *, actor: User | None, note: str = "", at=None
) -> Voucher:
    """Move a voucher to another status if the lifecycle allows it; else a clear error."""
    changed = _move(voucher, to, at or timezone.now())
    # Only the fields this move changes: the instance may be older than the row (its agent,
    # say, moved since it was read) and must not write that back.
    voucher.save(update_fields=changed)
    _log([voucher], EVENT_OF[to], actor, note)
    return voucher


def transitions(moves: list[tuple[Voucher, str, Any]], to: str, *, actor: User | None) -> None:
    """`transition` for many vouchers at once, each ``(voucher, note, at)``: every move is
    checked first (nothing is written if one is refused), then one UPDATE of the changed
    fields and one INSERT of the events (a batch of sales pays two statements, not 2 × N)."""
    if not moves:
        return
    changed: list[str] = []
    for voucher, _note, at in moves:
        for name in _move(voucher, to, at or timezone.now()):
            if name not in changed:
                changed.append(name)
    update_rows([v for v, _n, _a in moves], changed)
    now = timezone.now()
    insert_rows(
        [
            VoucherEvent(voucher=v, kind=EVENT_OF[to], at=now, actor=actor, note=note[:200])
            for v, note, _at in moves
        ]
    )


def _disable_on_router(vouchers: list[Voucher]) -> None:
    by_router: dict[Any, list[str]] = {}
    for v in vouchers:
        by_router.setdefault(v.router_id, []).append(v.code)
    for router_id, names in by_router.items():
        users = HotspotUser.objects.filter(router_id=router_id, name__in=names)
        change_hotspot_users(users, disabled=True)
        schedule_push(Router.objects.get(pk=router_id))


@transaction.atomic
def void_voucher(*, actor: User, voucher: Voucher, reason: str) -> Voucher:
    """Cancel a voucher (lost card, wrong print): refused once expired; disabled on the router."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the voucher is voided.")})
    voucher = Voucher.objects.select_for_update().select_related("package").get(pk=voucher.pk)
    transition(voucher, VoucherStatus.VOID, actor=actor, note=reason)
    _disable_on_router([voucher])
    return voucher


def _limits_reached() -> Q:
    """Active vouchers whose router-side usage reached the package's uptime or data limit."""
    used_up = HotspotUser.objects.filter(
        router_id=OuterRef("router_id"), name=OuterRef("code")
    ).filter(
        Q(uptime_seconds__gte=OuterRef("package__uptime_limit_seconds"))
        | Q(bytes_in__gte=OuterRef("package__data_limit_bytes") - F("bytes_out"))
    )
    return Q(Exists(used_up))


@transaction.atomic
def expire_due(*, now=None, limit: int = 5000) -> int:
    """Expire active vouchers whose validity is over, or whose uptime or data limit is used
    up, and disable them on their routers."""
    now = now or timezone.now()
    due = list(
        Voucher.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("package")
        .filter(status=VoucherStatus.ACTIVE)
        .filter(Q(expires_at__lte=now) | _limits_reached())[:limit]
    )
    for voucher in due:
        voucher.status = VoucherStatus.EXPIRED
    Voucher.objects.bulk_update(due, ["status"], batch_size=500)
    _log(due, VoucherEventKind.EXPIRED, None, "validity or limit reached")
    if due:
        _disable_on_router(due)
    return len(due)


def activate_from_usage(*, now=None) -> int:
    """Sold vouchers whose hotspot user has logged in (uptime > 0) become active, with their
    expiry counted from that first login. One query finds them all (no query per voucher)."""
    now = now or timezone.now()
    sold_codes = Voucher.objects.filter(status=VoucherStatus.SOLD).values("code")
    logged_in = {
        (router_id, name): (usage_at or now) - timedelta(seconds=uptime)
        for router_id, name, uptime, usage_at in HotspotUser.objects.filter(
            name__in=sold_codes, uptime_seconds__gt=0
        ).values_list("router_id", "name", "uptime_seconds", "usage_at")
    }
    if not logged_in:
        return 0
    activated = 0
    with transaction.atomic():
        candidates = (
            Voucher.objects.select_for_update(skip_locked=True)
            .select_related("package")
            .filter(status=VoucherStatus.SOLD, code__in=[name for _r, name in logged_in])
        )
        for voucher in candidates:
            first_login = logged_in.get((voucher.router_id, voucher.code))
            if first_login is not None:
                transition(voucher, VoucherStatus.ACTIVE, actor=None, at=first_login)
                _extend_buyer_access(voucher)
                activated += 1
    return activated


# --- lifecycle: the buyer's access --------------------------------------------------------------
def _extend_buyer_access(voucher: Voucher) -> None:
    """The buyer's access now runs to the voucher's real expiry (sales keeps the client)."""
    client_id = Sale.objects.filter(voucher=voucher).values_list("client_id", flat=True).first()
    if client_id is not None and voucher.expires_at is not None:
        extend_client_access(client_id, until=voucher.expires_at)
