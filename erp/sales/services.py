"""Selling a voucher: one sale per voucher, whatever happens at the same moment.

The voucher row is locked (SELECT … FOR UPDATE) before its status is read, and the sale's
OneToOne to the voucher is a unique constraint: the second of two sellers waits, then finds the
voucher sold and gets a clear conflict. The seller's idempotency key makes a repeated request
(a phone that lost the answer and sends again) return the first sale and create nothing —
but only the same request: a fingerprint of the request is stored with the sale, and the key
sent with a different request (another package, code, payment, discount or client) is refused
(Stripe's rule) instead of silently answering with a sale the caller did not ask for.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.clients.services import (
    client_by_phone,
    extend_client_access,
    extend_clients_access,
)
from erp.core import events
from erp.core.exceptions import NotAllowed
from erp.core.money import to_money
from erp.core.services import assign_fields, insert_history, insert_rows, validated_save
from erp.core.texts import Text
from erp.mikrotik.choices import SyncState
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.selectors import SOLD_COMMENT_PREFIX
from erp.mikrotik.services import change_hotspot_users, comment_hotspot_users
from erp.sites.models import Site
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Package, Voucher
from erp.vouchers.selectors import vouchers_visible_to
from erp.vouchers.services import transition, transitions, void_voucher

from .choices import PaymentMethod, SaleChannel
from .events import REMITTANCE_RECORDED, SALE_RECORDED
from .models import CommissionRule, ReceiptCounter, Refund, Remittance, Sale
from .selectors import on_router, seller_stock, unused_stock, waiting_for_router

MAX_REFERENCE = 64  # Sale.payment_reference


class AlreadySold(Exception):
    """The voucher was sold (or is no longer sellable) by the time this sale got to it."""


class NotOnRouter(Exception):
    """The voucher's hotspot user is not on its router yet: sold now, it could not log in."""


class IdempotencyKeyReused(Exception):
    """The idempotency key already made a sale from a different request."""


def request_fingerprint(**fields: Any) -> str:
    """A SHA-256 of the request in canonical form (sorted keys, every value as text, None as
    ""), so the same request always gives the same fingerprint and any difference another."""
    canonical = json.dumps(
        {name: "" if value is None else str(value) for name, value in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def sale_fingerprint(
    *,
    payment_method: str,
    code: str | None = None,
    package: Package | None = None,
    discount: Decimal | None = None,
    payment_reference: str = "",
    **client: Any,
) -> str:
    """The fingerprint of a sale request: normalised as `sell` reads it (code without spaces
    in capitals, discount to the cent, reference stripped); `client` is how the caller named
    the buyer (the API: phone and name as sent; the POS: the client's id)."""
    return request_fingerprint(
        payment_method=payment_method,
        code="".join(code.split()).upper() if code else "",
        package=package.pk if package is not None else "",
        discount=to_money(discount or Decimal("0")),
        payment_reference=(payment_reference or "").strip(),
        **{f"client_{name}": value for name, value in client.items()},
    )


def replayed_sale(*, seller: User, idempotency_key: uuid.UUID, request_hash: str) -> Sale | None:
    """The sale this key already made, if any; IdempotencyKeyReused if it was made from a
    different request. Callers that write anything before selling (a new client) ask first."""
    existing = Sale.objects.filter(seller=seller, idempotency_key=idempotency_key).first()
    return _check_replay(existing, request_hash)


def _check_replay(existing: Sale | None, request_hash: str) -> Sale | None:
    """The sale a key made, unless it was made from a different request."""
    if existing is not None and existing.request_hash and existing.request_hash != request_hash:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different sale request. "
                "Send a new key for a new sale, or the same request to get its sale again."
            )
        )
    return existing


def commission_for(
    *, agent: User, package: Package, site, amount: Decimal, channel: str = SaleChannel.AGENT
) -> Decimal:
    """Online sales earn no commission (no agent sold them). Otherwise the most specific
    active rule: agent+package, agent, package, site, default; the best
    rank and then the newest rule wins. One query fetches the agent's active rules and those of
    no agent (a handful), ranked here: the ORM expression ranking them in SQL took more CPU to
    build, at every sale, than the query took to run."""
    if channel == SaleChannel.ONLINE:
        return Decimal("0.00")
    return _commission(_commission_rules(agent), package=package, site=site, amount=amount)


def _commission_rules(agent: User) -> list[CommissionRule]:
    """The rules that may apply to the agent's sales: the agent's and those of no agent."""
    return list(
        CommissionRule.objects.filter(
            Q(agent=agent) | Q(agent__isnull=True), is_active=True
        ).order_by()
    )


def _commission(
    candidates: list[CommissionRule], *, package: Package, site, amount: Decimal
) -> Decimal:
    """The commission on ``amount`` by the best of ``candidates`` (see `commission_for`)."""
    site_id = site.pk if site is not None else None

    def rank(rule: CommissionRule) -> int | None:
        if rule.package_id not in (None, package.pk):
            return None  # another package's rule
        if rule.agent_id is not None:
            return 0 if rule.package_id is not None else 1
        if rule.package_id is not None:
            return 2
        if rule.site_id == site_id:
            return 3
        return 4 if rule.site_id is None else None  # else another site's rule

    ranked = [(r, rank(r)) for r in candidates]
    best = min(
        ((n, -r.created_at.timestamp(), r) for r, n in ranked if n is not None),
        key=lambda t: t[:2],
        default=None,
    )
    rule = best[2] if best else None
    if rule is None:
        return Decimal("0.00")
    if rule.fixed is not None:
        return min(to_money(rule.fixed), amount)
    return to_money(amount * rule.percent / 100)


RULE_FIELDS = ("agent", "package", "site", "percent", "fixed", "is_active")


@transaction.atomic
def save_commission_rule(
    *, actor: User, rule: CommissionRule | None = None, **fields: Any
) -> CommissionRule:
    """Create or change a commission rule. Past sales keep the commission they were sold with;
    a rule applies from the next sale on."""
    if not actor.has_perm(
        "sales.add_commissionrule" if rule is None else "sales.change_commissionrule"
    ):
        raise NotAllowed(_("You may not change commission rules."))
    rule = assign_fields(rule or CommissionRule(), fields, RULE_FIELDS)
    if (rule.percent is None) == (rule.fixed is None):
        raise ValidationError(_("Give either a percent or a fixed amount, not both."))
    if rule.percent is not None and not Decimal(0) <= Decimal(rule.percent) <= Decimal(100):
        raise ValidationError({"percent": _("A percent is between 0 and 100.")})
    if rule.fixed is not None and to_money(rule.fixed) < 0:
        raise ValidationError({"fixed": _("A fixed commission cannot be negative.")})
    if rule.site_id and (rule.agent_id or rule.package_id):
        raise ValidationError(
            {
                "site": _(
                    "A site rule is for every agent and package of the site; leave agent "
                    "and package empty, or leave the site empty."
                )
            }
        )
    if rule.agent_id and not rule.agent.has_role(Role.AGENT):
        raise ValidationError({"agent": _("Commission is for agents.")})
    return validated_save(rule, actor=actor)


def _next_receipt(site) -> int:
    """The site's next receipt number (see `_reserve_receipts`)."""
    return _reserve_receipts(site, 1)


def _reserve_receipts(site, count: int) -> int:
    """Take the site's next ``count`` receipt numbers, without gaps; returns the first. One
    statement once the site has a counter: the UPDATE takes the row's lock (held to the
    commit, so numbers stay gapless and in commit order) and RETURNING reads the number it
    wrote — one round trip for a sale or for a batch of them."""
    table = ReceiptCounter._meta.db_table
    # the id as this database stores it (a UUID on PostgreSQL, hex text on SQLite)
    site_id = ReceiptCounter._meta.get_field("site").get_db_prep_value(site.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + %s WHERE site_id = %s "  # noqa: S608
            "RETURNING last_number",
            [count, site_id],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0] - count + 1
    counter, _created = ReceiptCounter.objects.select_for_update().get_or_create(site=site)
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return counter.last_number - count + 1


def _pick_voucher(
    seller: User, *, code: str | None, package: Package | None, site_id=None
) -> Voucher:
    """The voucher to sell, locked. ``site_id``: the site the seller is at; a voucher of
    another site would not log in there. Without it, a seller holding stock at several sites
    must say which (by package); by code, the voucher names its site."""
    stock = seller_stock(seller, site_id)
    if code:
        cleaned = _clean_code(code)
        # By code the status is not filtered: a sold voucher is found, locked and refused
        # with "already sold" (a locking read returns the row as it is once the lock is held).
        voucher = (
            vouchers_visible_to(seller)
            .select_related(None)
            .select_related("package", "site")
            .filter(code=cleaned, agent=seller if seller.is_agent else None)
            .select_for_update(of=("self",))
            .first()
        )
        return _check_picked(voucher, site_id=site_id, routed=_is_on_router)
    if package is None:
        raise ValidationError(_("Give a package or a voucher code."))
    if site_id is None:
        sites = list(
            unused_stock(seller)
            .filter(package=package)
            .order_by()  # DISTINCT over the site alone, not the model's ordering
            .values_list("site_id", flat=True)
            .distinct()[:2]
        )
        if len(sites) > 1:
            raise ValidationError(
                {
                    "site": _(
                        "You hold %(package)s vouchers at more than one site: say which site "
                        "you are selling at (a voucher works only on its own site's router)."
                    )
                    % {"package": package.name}
                }
            )
    # Skip vouchers another seller is selling right now: each takes the next free one.
    voucher = (
        stock.filter(package=package)
        .select_related("package", "site")
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .first()
    )
    if voucher is None:
        waiting = waiting_for_router(seller, site_id).filter(package=package).count()
        if waiting:
            raise NotOnRouter(
                _("No %(package)s voucher is on the router yet: %(n)s are still being pushed.")
                % {"package": package.name, "n": waiting}
            )
        raise ValidationError(
            {
                "package": _("No unused %(package)s voucher in your stock.")
                % {"package": package.name}
            }
        )
    return voucher


def _check_picked(voucher: Voucher | None, *, site_id, routed) -> Voucher:
    """The checks on a voucher found by its code (locked): in the seller's stock, of the site
    the seller is at, on its router if unused (``routed(voucher)`` says; asked only then)."""
    if voucher is None:
        raise ValidationError({"code": _("No voucher with this code in your stock.")})
    if site_id is not None and str(voucher.site_id) != str(site_id):
        raise ValidationError(
            {
                "code": _(
                    "Voucher %(code)s is for %(site)s and works only on its router there; "
                    "sell it at %(site)s, or sell a voucher of the site you are at."
                )
                % {"code": voucher.code, "site": voucher.site}
            }
        )
    if voucher.status == VoucherStatus.UNUSED and not routed(voucher):
        raise NotOnRouter(
            _("This voucher is not on the router yet (its batch is still being pushed).")
        )
    return voucher


def _clean_code(code: str) -> str:
    return "".join(code.split()).upper()


def _check_payment(payment_method: str, payment_reference: str) -> None:
    """Cash or mobile money (with its reference), and a reference that fits its column."""
    if payment_method not in PaymentMethod.values:
        raise ValidationError({"payment_method": _("Choose cash or mobile money.")})
    if payment_method == PaymentMethod.MOBILE_MONEY and not payment_reference.strip():
        raise ValidationError({"payment_reference": _("Give the mobile money reference.")})
    if len(payment_reference.strip()) > MAX_REFERENCE:
        # The POS form posts it as is; the database column would refuse it with a 500.
        raise ValidationError(
            {
                "payment_reference": _("A payment reference is at most %(n)d characters.")
                % {"n": MAX_REFERENCE}
            }
        )


def _check_sellable(voucher: Voucher) -> None:
    """Only an unused voucher is sold (checked under the voucher's lock)."""
    if voucher.status != VoucherStatus.UNUSED:
        raise AlreadySold(
            _("Voucher %(code)s is %(status)s, not for sale.")
            % {"code": voucher.code, "status": VoucherStatus(voucher.status).label.lower()}
        )


def _check_discount(seller: User, price: Decimal, discount: Decimal) -> None:
    """No negative discount; a discount needs the permission and stays under the limit."""
    if discount < 0:
        raise ValidationError({"discount": _("A discount cannot be negative.")})
    if discount > 0:
        if not seller.has_perm("sales.give_discount"):
            raise NotAllowed(_("You may not give discounts."))
        limit = to_money(price * settings.MAX_DISCOUNT_PERCENT / 100)
        if discount > limit:
            raise ValidationError(
                {
                    "discount": _("At most %(limit)s (%(percent)s%%).")
                    % {"limit": limit, "percent": settings.MAX_DISCOUNT_PERCENT}
                }
            )


def _channel_of(seller: User) -> str:
    return SaleChannel.AGENT if seller.is_agent else SaleChannel.DESK


def _is_on_router(voucher: Voucher) -> bool:
    return HotspotUser.objects.filter(
        router_id=voucher.router_id,
        name=voucher.code,
        sync_state=SyncState.SYNCED,
        removed=False,
    ).exists()


def sell(
    *,
    seller: User,
    idempotency_key: uuid.UUID,
    payment_method: str,
    code: str | None = None,
    package: Package | None = None,
    discount: Decimal = Decimal("0"),
    payment_reference: str = "",
    client=None,
    request_hash: str = "",
    sold_at=None,
    receipt_phone: str = "",
    site_id=None,
) -> tuple[Sale, bool]:
    """Sell one voucher. Returns (sale, created): created is False for a replayed request.
    A sale to a client announces SALE_RECORDED (the receipt SMS goes to ``receipt_phone``
    when the agent changed the number, else to the client's). ``site_id``: the site the
    seller is at (the POS's choice); its stock only.

    `request_hash` is the caller's `sale_fingerprint` of the request as it arrived; without
    it the fingerprint is taken from these arguments. The same key with another fingerprint
    raises IdempotencyKeyReused. `sold_at` is when the customer paid, if not now (a sale made
    offline and synced later; erp.sync checks the device's clock before passing it)."""
    request_hash = request_hash or sale_fingerprint(
        payment_method=payment_method,
        code=code,
        package=package,
        discount=discount,
        payment_reference=payment_reference,
        id=client.pk if client is not None else None,
        **({"site": str(site_id)} if site_id else {}),
    )
    existing = replayed_sale(
        seller=seller, idempotency_key=idempotency_key, request_hash=request_hash
    )
    if existing is not None:
        return existing, False
    _check_payment(payment_method, payment_reference)
    discount = to_money(discount)
    try:
        with transaction.atomic():
            sale = _sell_locked(
                seller=seller,
                key=idempotency_key,
                code=code,
                package=package,
                discount=discount,
                payment_method=payment_method,
                payment_reference=payment_reference.strip(),
                client=client,
                request_hash=request_hash,
                sold_at=sold_at,
                receipt_phone=receipt_phone,
                site_id=site_id,
            )
    except IntegrityError:
        # The same key raced itself: the other request made the sale.
        existing = replayed_sale(
            seller=seller, idempotency_key=idempotency_key, request_hash=request_hash
        )
        if existing is None:
            raise AlreadySold(_("This voucher has already been sold.")) from None
        return existing, False
    return sale, True


def _sell_locked(
    *,
    seller,
    key,
    code,
    package,
    discount,
    payment_method,
    payment_reference,
    client,
    request_hash,
    sold_at=None,
    receipt_phone="",
    site_id=None,
) -> Sale:
    # Locked, with its package and site: the status below is the one the lock protects.
    voucher = _pick_voucher(seller, code=code, package=package, site_id=site_id)
    _check_sellable(voucher)
    price = to_money(voucher.package.price)
    _check_discount(seller, price, discount)
    amount = price - discount
    channel = _channel_of(seller)
    return _record_sale(
        voucher=voucher,
        seller=seller,
        client=client,
        price=price,
        discount=discount,
        commission=commission_for(
            agent=seller, package=voucher.package, site=voucher.site, amount=amount
        ),
        payment_method=payment_method,
        payment_reference=payment_reference,
        channel=channel,
        key=key,
        request_hash=request_hash,
        sold_at=sold_at,
        receipt_phone=receipt_phone,
    )


def _record_sale(
    *,
    voucher: Voucher,
    seller: User,
    client,
    price: Decimal,
    discount: Decimal,
    commission: Decimal,
    payment_method: str,
    payment_reference: str,
    channel: str,
    key: uuid.UUID,
    request_hash: str,
    sold_at=None,
    receipt_phone: str = "",
) -> Sale:
    """Write the sale of a voucher locked and checked by the caller: the one path every
    channel's sale takes (receipt number, voucher sold, client's access, router comment, the
    SALE_RECORDED announcement for a client's receipt SMS). ``sold_at``: when the customer
    paid, if not now (an offline sale synced later); ``receipt_phone``: the number the agent
    chose for the receipt, if not the client's."""
    now = sold_at or timezone.now()
    sale = Sale(
        voucher=voucher,
        site=voucher.site,
        seller=seller,
        client=client,
        package=voucher.package,
        price=price,
        discount=discount,
        amount=price - discount,
        commission=commission,
        payment_method=payment_method,
        payment_reference=payment_reference,
        channel=channel,
        receipt_number=_next_receipt(voucher.site),
        idempotency_key=key,
        request_hash=request_hash,
        sold_at=now,
    )
    sale._history_user = seller
    sale.save()
    transition(voucher, VoucherStatus.SOLD, actor=seller, at=now, note=_receipt_note(sale))
    if client is not None:
        extend_client_access(client.pk, until=_access_until(sale))
    # Tell the router the voucher is in a customer's hands (the next push sets the comment).
    change_hotspot_users(
        HotspotUser.objects.filter(router_id=voucher.router_id, name=voucher.code),
        comment=_router_comment(sale),
    )
    _announce_sale(sale, receipt_phone)
    return sale


def _receipt_note(sale: Sale) -> str:
    return f"receipt {sale.receipt_number}"


def _router_comment(sale: Sale) -> str:
    return f"{SOLD_COMMENT_PREFIX}{sale.receipt_number}"


def _access_until(sale: Sale):
    """A client's access after buying: the sale time plus the package's validity."""
    return sale.sold_at + timedelta(seconds=sale.package.validity_seconds)


def _announce_sale(sale: Sale, receipt_phone: str) -> None:
    """A sale to a client: SALE_RECORDED (the receipt SMS), delivered after the commit."""
    if sale.client_id is not None:
        events.announce(
            SALE_RECORDED,
            key=str(sale.pk),
            sale_id=str(sale.pk),
            sms_phone=str(receipt_phone or ""),
        )


# --- many sales at once ---------------------------------------------------------------------
@dataclass(frozen=True)
class SaleRequest:
    """One sale by code, as `sell` takes it (the field app's pushed sales are by code)."""

    idempotency_key: uuid.UUID
    payment_method: str
    code: str
    discount: Decimal = Decimal("0")
    payment_reference: str = ""
    client: Client | None = None
    request_hash: str = ""
    sold_at: datetime | None = None
    receipt_phone: str = ""
    site_id: Any = None


# a request's result: (sale, created) as `sell` returns it, or the exception `sell` raises
SaleResult = tuple[Sale, bool] | Exception
SALE_ERRORS = (AlreadySold, NotOnRouter, IdempotencyKeyReused, ValidationError, PermissionDenied)


def sell_many(*, seller: User, requests: list[SaleRequest]) -> list[SaleResult]:
    """Apply a run of one seller's sales with set-based statements; the same rows, in the
    same order, as calling `sell` for each request in turn.

    Why: a sale pushed from the field app cost what a POS sale costs, ~12 round trips (each
    voucher locked, a receipt number, the sale, its history row, the voucher, its event, the
    commission rules, the client, the router comment) — a week of an agent's sales took
    minutes. Here a run of N sales costs about a dozen statements in all: the replays of the
    keys read at once, the vouchers locked in one SELECT … FOR UPDATE (with whether each is on
    its router), the commission rules read once, each site's receipt numbers reserved N at a
    time by one UPDATE … RETURNING (gapless, as one at a time), then one bulk INSERT each for
    the sales, their history and the voucher events, one UPDATE each for the vouchers, the
    clients' access and the router comments; SALE_RECORDED is announced per sale (delivered
    after the commit, as from `sell`).

    Each request is checked by the same functions `sell` uses, before anything is written;
    a refused request gets the exception `sell` would raise (in the list, not raised) and
    takes no receipt number. The list returned may be shorter than ``requests``: it stops
    before a request naming a key or a code an earlier request of the run named (its result
    depends on the earlier one's); call again with the rest. Call it inside a transaction
    (erp.sync's run): the locks are held to its commit. If the writes meet a unique
    constraint (the same key sent at the same moment elsewhere), the run's sales are applied
    again one by one through `sell`, which knows what to answer."""
    requests = _first_without_repeats(requests)
    results: list[SaleResult | None] = [None] * len(requests)
    hashes = [
        r.request_hash
        or sale_fingerprint(
            payment_method=r.payment_method,
            code=r.code,
            discount=r.discount,
            payment_reference=r.payment_reference,
            id=r.client.pk if r.client is not None else None,
            **({"site": str(r.site_id)} if r.site_id else {}),
        )
        for r in requests
    ]
    made = {
        sale.idempotency_key: sale
        for sale in Sale.objects.filter(
            seller=seller, idempotency_key__in=[r.idempotency_key for r in requests]
        )
    }
    pending: list[int] = []
    for i, request in enumerate(requests):
        try:
            existing = _check_replay(made.get(request.idempotency_key), hashes[i])
            if existing is not None:
                results[i] = (existing, False)
                continue
            _check_payment(request.payment_method, request.payment_reference)
        except SALE_ERRORS as exc:
            results[i] = exc
            continue
        pending.append(i)
    if not pending:
        return results  # type: ignore[return-value]
    codes = [_clean_code(requests[i].code) for i in pending]
    vouchers = {
        v.code: v
        for v in vouchers_visible_to(seller)
        .select_related(None)
        .filter(code__in=codes, agent=seller if seller.is_agent else None)
        .annotate(routed=on_router())
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    _attach_packages_and_sites(vouchers.values())
    accepted: list[tuple[int, Voucher, Decimal, Decimal]] = []
    for i, code in zip(pending, codes, strict=True):
        request = requests[i]
        try:
            voucher = _check_picked(
                vouchers.get(code), site_id=request.site_id, routed=lambda v: v.routed
            )
            _check_sellable(voucher)
            price = to_money(voucher.package.price)
            discount = to_money(request.discount)
            _check_discount(seller, price, discount)
        except SALE_ERRORS as exc:
            results[i] = exc
            continue
        accepted.append((i, voucher, price, discount))
    if not accepted:
        return results  # type: ignore[return-value]
    try:
        with transaction.atomic():
            sales = _record_sales(seller, requests, hashes, accepted)
    except IntegrityError:
        # A key or a voucher taken meanwhile by another request: one at a time decides.
        for i, _voucher, _price, _discount in accepted:
            results[i] = _sell_one(seller, requests[i], hashes[i])
        return results  # type: ignore[return-value]
    for (i, _voucher, _price, _discount), sale in zip(accepted, sales, strict=True):
        results[i] = (sale, True)
    return results  # type: ignore[return-value]


def _attach_packages_and_sites(vouchers) -> None:
    """The run's packages and sites (a handful) read once and shared by its vouchers, instead
    of joined to every locked voucher row: the join loaded ~60 columns and three instances a
    voucher (a run of 175: 8–11 ms of Python with the join, 4–5 ms without)."""
    vouchers = list(vouchers)
    packages = Package.objects.in_bulk({v.package_id for v in vouchers})
    sites = Site.objects.in_bulk({v.site_id for v in vouchers})
    for voucher in vouchers:
        voucher.package = packages[voucher.package_id]
        voucher.site = sites[voucher.site_id]


def _first_without_repeats(requests: list[SaleRequest]) -> list[SaleRequest]:
    keys: set = set()
    codes: set[str] = set()
    for n, request in enumerate(requests):
        code = _clean_code(request.code)
        if request.idempotency_key in keys or code in codes:
            return requests[:n]
        keys.add(request.idempotency_key)
        codes.add(code)
    return requests


def _sell_one(seller: User, request: SaleRequest, request_hash: str) -> SaleResult:
    try:
        return sell(
            seller=seller,
            idempotency_key=request.idempotency_key,
            payment_method=request.payment_method,
            code=request.code,
            discount=request.discount,
            payment_reference=request.payment_reference,
            client=request.client,
            request_hash=request_hash,
            sold_at=request.sold_at,
            receipt_phone=request.receipt_phone,
            site_id=request.site_id,
        )
    except SALE_ERRORS as exc:
        return exc


def _record_sales(
    seller: User,
    requests: list[SaleRequest],
    hashes: list[str],
    accepted: list[tuple[int, Voucher, Decimal, Decimal]],
) -> list[Sale]:
    """`_record_sale` for a run of checked, locked vouchers, with bulk statements."""
    rules = _commission_rules(seller)
    channel = _channel_of(seller)
    # receipt numbers: each site's block reserved at once, handed out in request order
    by_site: dict[Any, list[int]] = {}
    for n, (_i, voucher, _p, _d) in enumerate(accepted):
        by_site.setdefault(voucher.site_id, []).append(n)
    numbers: dict[int, int] = {}
    for site_id in sorted(by_site, key=str):  # one lock order for every run: no deadlock
        positions = by_site[site_id]
        first = _reserve_receipts(accepted[positions[0]][1].site, len(positions))
        numbers.update({n: first + k for k, n in enumerate(positions)})
    sales = []
    for n, (i, voucher, price, discount) in enumerate(accepted):
        request = requests[i]
        sales.append(
            Sale(
                voucher=voucher,
                site=voucher.site,
                seller=seller,
                client=request.client,
                package=voucher.package,
                price=price,
                discount=discount,
                amount=price - discount,
                commission=_commission(
                    rules, package=voucher.package, site=voucher.site, amount=price - discount
                ),
                payment_method=request.payment_method,
                payment_reference=request.payment_reference.strip(),
                channel=channel,
                receipt_number=numbers[n],
                idempotency_key=request.idempotency_key,
                request_hash=hashes[i],
                sold_at=request.sold_at or timezone.now(),
            )
        )
    insert_rows(sales)
    insert_history(sales, user=seller)
    transitions(
        [(sale.voucher, _receipt_note(sale), sale.sold_at) for sale in sales],
        VoucherStatus.SOLD,
        actor=seller,
    )
    untils: dict[Any, datetime] = {}
    for sale in sales:
        if sale.client_id is not None:
            until = _access_until(sale)
            untils[sale.client_id] = max(until, untils.get(sale.client_id, until))
    extend_clients_access(untils)
    by_router: dict[Any, list[Sale]] = {}
    for sale in sales:
        by_router.setdefault(sale.voucher.router_id, []).append(sale)
    for router_id, sold in by_router.items():
        comment_hotspot_users(router_id, {s.voucher.code: _router_comment(s) for s in sold})
    for sale, (i, _v, _p, _d) in zip(sales, accepted, strict=True):
        _announce_sale(sale, requests[i].receipt_phone)
    return sales


ONLINE_SELLER = "online-portal"


class OutOfStock(Exception):
    """No voucher of the package is on the site's router for an online sale."""


def online_seller() -> User:
    """The seller recorded on online sales: a system account that cannot log in (no
    password, inactive, no role), so a sale always has a seller and no agent's statement or
    commission ever counts an online sale."""
    user, created = User.objects.get_or_create(
        username=ONLINE_SELLER,
        defaults={"is_active": False, "first_name": "Online", "last_name": "(captive portal)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def sell_online(
    *,
    site,
    package: Package,
    payment_reference: str,
    idempotency_key: uuid.UUID,
    amount: Decimal,
    client=None,
) -> tuple[Sale, bool]:
    """Sell a voucher of `package` from `site`'s office stock to a customer who paid online
    (mobile money through the captive portal). Returns (sale, created).

    The idempotency key is the payment's: a second call for the same payment returns the
    first sale (the sale's (seller, key) unique constraint backs it). `amount` is what the
    customer paid; it must be the package price (no discount online). Raises OutOfStock when
    no voucher of the package is on the site's router, ValidationError on a wrong amount."""
    seller = online_seller()
    request_hash = request_fingerprint(
        channel=SaleChannel.ONLINE,
        site=site.pk,
        package=package.pk,
        payment_reference=payment_reference,
    )
    existing = replayed_sale(
        seller=seller, idempotency_key=idempotency_key, request_hash=request_hash
    )
    if existing is not None:
        return existing, False
    price = to_money(package.price)
    if to_money(amount) != price:
        raise ValidationError(
            {
                "amount": _("Paid %(paid)s, the package costs %(price)s.")
                % {"paid": to_money(amount), "price": price}
            }
        )

    try:
        with transaction.atomic():
            voucher = (
                Voucher.objects.filter(
                    site=site, package=package, agent__isnull=True, status=VoucherStatus.UNUSED
                )
                .filter(on_router())
                .select_related("package", "site")
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if voucher is None:
                raise OutOfStock(
                    Text(
                        gettext_noop("No %(package)s voucher is ready on this site's router."),
                        package=package.name,
                    )
                )
            sale = _record_sale(
                voucher=voucher,
                seller=seller,
                client=client,
                price=price,
                discount=Decimal("0.00"),
                commission=commission_for(
                    agent=seller,
                    package=package,
                    site=site,
                    amount=price,
                    channel=SaleChannel.ONLINE,
                ),
                payment_method=PaymentMethod.MOBILE_MONEY,
                payment_reference=payment_reference.strip()[:MAX_REFERENCE],
                channel=SaleChannel.ONLINE,
                key=idempotency_key,
                request_hash=request_hash,
            )
    except IntegrityError:
        existing = replayed_sale(
            seller=seller, idempotency_key=idempotency_key, request_hash=request_hash
        )
        if existing is None:
            raise
        return existing, False
    return sale, True


def client_for_sale(
    *,
    seller: User,
    phone,
    name: str = "",
    package: Package | None = None,
    code: str | None = None,
    site_id=None,
):
    """The buyer's one client record, found by phone (E.164) at any site, or registered at the
    site the voucher comes from (the site the seller is at), owned by the selling agent."""
    stock = seller_stock(seller, site_id)
    if code:
        stock = stock.filter(code="".join(code.split()).upper())
    elif package is not None:
        stock = stock.filter(package=package)
    site_id = stock.values_list("site_id", flat=True).first()
    if site_id is None:
        return None  # the sale itself will say what is wrong
    client, _created = client_by_phone(
        actor=seller, phone=phone, site=Site.objects.get(pk=site_id), name=name
    )
    return client


def sell_to_phone(
    *,
    seller: User,
    idempotency_key: uuid.UUID,
    payment_method: str,
    phone=None,
    name: str = "",
    code: str | None = None,
    package: Package | None = None,
    discount: Decimal = Decimal("0"),
    payment_reference: str = "",
    request_hash: str = "",
    sold_at=None,
    receipt_phone: str = "",
    site_id=None,
) -> tuple[Sale, bool]:
    """A sale, with the buyer found or filed as a client by phone, in one transaction: a sale
    refused (no mobile money reference, a refused discount, already sold, not on the router)
    leaves no client behind. The POS page and the API both sell through it."""
    sale = functools.partial(
        sell,
        seller=seller,
        idempotency_key=idempotency_key,
        payment_method=payment_method,
        code=code,
        package=package,
        discount=discount,
        payment_reference=payment_reference,
        request_hash=request_hash,
        sold_at=sold_at,
        receipt_phone=receipt_phone,
        site_id=site_id,
    )
    if not phone:
        return sale(client=None)  # nothing written before the sale: no transaction around it
    with transaction.atomic():
        client = client_for_sale(
            seller=seller, phone=phone, name=name, package=package, code=code, site_id=site_id
        )
        return sale(client=client)


# --- refunds --------------------------------------------------------------------------------
@transaction.atomic
def refund_sale(*, actor: User, sale: Sale, reason: str) -> Refund:
    """Give a sale back: a Refund record reversing its commission; the voucher becomes void
    and is disabled on the router. The sale itself is never changed."""
    if not actor.has_perm("sales.add_refund"):
        raise NotAllowed(_("You may not refund sales."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the sale is refunded.")})
    sale = Sale.objects.select_for_update().select_related("voucher").get(pk=sale.pk)
    if Refund.objects.filter(sale=sale).exists():
        raise ValidationError(_("This sale was already refunded."))
    refund = Refund(
        sale=sale,
        amount=sale.amount,
        commission_reversed=sale.commission,
        reason=reason.strip()[:200],
        refunded_by=actor,
        refunded_at=timezone.now(),
    )
    refund._history_user = actor
    refund.save()
    if sale.voucher.status != VoucherStatus.VOID:
        void_voucher(actor=actor, voucher=sale.voucher, reason=f"refund: {refund.reason}")
    return refund


# --- remittances and statements ---------------------------------------------------------------
def agent_balance(agent: User, *, until=None) -> Decimal:
    """What the agent owes the office: cash collected − commission kept − cash remitted."""
    return statement(agent, start=None, end=until)["balance_owed"]


def _totals_by_agent(agent_ids, *, start=None, end=None) -> dict:
    """Sums of sales, refunds and remittances with start ≤ time < end (either end open), per
    agent, in three grouped queries: one statement and a thousand agents' cost the same."""

    def window(qs, field):
        if start is not None:
            qs = qs.filter(**{f"{field}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{field}__lt": end})
        return qs

    ids = list(agent_ids)
    totals = {
        pk: {
            "sales_count": 0,
            "sales_amount": to_money(0),
            "refunds_amount": to_money(0),
            "commission": to_money(0),
            "remitted": to_money(0),
        }
        for pk in ids
    }
    sold = (
        window(Sale.objects.filter(seller__in=ids), "sold_at")
        .values("seller")
        .annotate(count=Count("pk"), amount=Sum("amount"), commission=Sum("commission"))
        .order_by()
    )
    for row in sold:
        t = totals[row["seller"]]
        t["sales_count"] = row["count"]
        t["sales_amount"] = to_money(row["amount"] or 0)
        t["commission"] += to_money(row["commission"] or 0)
    refunded = (
        window(Refund.objects.filter(sale__seller__in=ids), "refunded_at")
        .values("sale__seller")
        .annotate(amount=Sum("amount"), reversed=Sum("commission_reversed"))
        .order_by()
    )
    for row in refunded:
        t = totals[row["sale__seller"]]
        t["refunds_amount"] = to_money(row["amount"] or 0)
        t["commission"] -= to_money(row["reversed"] or 0)
    remitted = (
        window(Remittance.objects.filter(agent__in=ids), "received_at")
        .values("agent")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in remitted:
        totals[row["agent"]]["remitted"] = to_money(row["amount"] or 0)
    return totals


def statements(agent_ids, *, start=None, end=None) -> dict:
    """Each agent's figures for a period (sales, refunds, commission, collected, remitted) and
    the balance owed at its end (everything before the end counts). Sums in the database.

    The live definition of a statement, from the raw rows: `statement` (one agent, the API,
    the balance a remittance is checked against) reads it. The statements report and the
    Agents dashboard read analytics.agents.agent_figures (rollups, refreshed first for the
    report); tests/analytics holds the two equal to the cent."""
    ids = list(agent_ids)
    period = _totals_by_agent(ids, start=start, end=end)
    to_date = period if start is None else _totals_by_agent(ids, end=end)
    for pk, figures in period.items():
        before = to_date[pk]
        figures["collected"] = figures["sales_amount"] - figures["refunds_amount"]
        figures["balance_owed"] = (
            before["sales_amount"]
            - before["refunds_amount"]
            - before["commission"]
            - before["remitted"]
        )
    return period


def statement(agent: User, *, start=None, end=None) -> dict:
    """One agent's statement for a period; see `statements`."""
    return statements([agent.pk], start=start, end=end)[agent.pk]


@transaction.atomic
def record_remittance(
    *,
    actor: User,
    agent: User,
    amount: Decimal,
    method: str,
    reference: str = "",
    note: str = "",
    confirm_over: bool = False,
) -> Remittance:
    """Finance records money an agent handed in. More than the agent owes needs an explicit
    confirmation (an advance, or a mistake to catch)."""
    if not actor.has_perm("sales.add_remittance"):
        raise NotAllowed(_("You may not record remittances."))
    if not agent.has_role(Role.AGENT):
        raise ValidationError({"agent": _("Remittances come from agents.")})
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose cash or mobile money.")})
    # Lock the agent's row so two remittances at once see each other's effect on the balance.
    User.objects.select_for_update().filter(pk=agent.pk).first()
    owed = agent_balance(agent)
    if amount > owed and not confirm_over:
        raise ValidationError(
            {
                "amount": _("%(agent)s owes %(owed)s; confirm to record %(amount)s anyway.")
                % {"agent": agent, "owed": owed, "amount": amount}
            }
        )
    remittance = Remittance(
        agent=agent,
        amount=amount,
        method=method,
        reference=reference.strip()[:64],
        note=note.strip()[:200],
        received_by=actor,
        received_at=timezone.now(),
    )
    remittance._history_user = actor
    remittance.save()
    # the agent's receipt SMS (the SMS app subscribes; durable with the remittance)
    events.announce(REMITTANCE_RECORDED, key=str(remittance.pk), remittance_id=str(remittance.pk))
    return remittance
