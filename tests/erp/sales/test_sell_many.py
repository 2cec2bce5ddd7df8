"""`sell_many` writes exactly what `sell` called once per request writes.

Two datasets built the same way (each its own site, router, agents, packages, vouchers,
clients and commission rules); the same requests, by position, go through `sell` one by one
on the first and through `sell_many` on the second; then every row either path writes —
sales, their history, receipt counters, vouchers, voucher events, clients' access, the
router's hotspot users, the SALE_RECORDED deliveries — is compared field by field, with each
dataset's ids and codes replaced by their position. The refused requests (voucher sold or
voided elsewhere, another agent's voucher, not on the router yet, an unknown code, no mobile
money reference, a key reused for another request) must give the same exception and message.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core.models import EventDelivery
from erp.mikrotik.models import HotspotUser
from erp.sales import services
from erp.sales.models import ReceiptCounter, Sale
from erp.sales.services import SaleRequest, sell, sell_many
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher, VoucherEvent
from tests.conftest import put_on_router

pytestmark = pytest.mark.django_db

WHEN = timezone.now().replace(microsecond=0) - timedelta(hours=3)


def _batch(admin, package, router, quantity, agent, on_router=True):
    batch = voucher_services.request_batch(
        actor=admin, package=package, router=router, quantity=quantity, preapproved=True
    )
    voucher_services.generate_batch(batch)
    if on_router:
        put_on_router(batch)
    else:
        voucher_services.queue_batch_push(batch)
    vouchers = Voucher.objects.filter(batch=batch)
    voucher_services.assign_to_agent(actor=admin, agent=agent, vouchers=vouchers)
    return list(Voucher.objects.filter(batch=batch).order_by("code"))


@pytest.fixture
def dataset(make_router, make_user, make_client, admin_user):
    def build():
        router = make_router()
        site = router.site
        agent, other = make_user(Role.AGENT), make_user(Role.AGENT)
        site.agents.add(agent, other)
        day = voucher_services.save_package(
            actor=admin_user,
            name=f"Day {uuid.uuid4().hex[:6]}",
            price=Decimal("1000"),
            validity_seconds=86400,
            sites=[site],
        )
        week = voucher_services.save_package(
            actor=admin_user,
            name=f"Week {uuid.uuid4().hex[:6]}",
            price=Decimal("5000"),
            validity_seconds=7 * 86400,
            sites=[site],
        )
        services.save_commission_rule(actor=admin_user, site=site, percent=Decimal("10"))
        services.save_commission_rule(
            actor=admin_user, agent=agent, package=week, fixed=Decimal("300")
        )
        mine = _batch(admin_user, day, router, 8, agent)
        weeks = _batch(admin_user, week, router, 3, agent)
        theirs = _batch(admin_user, day, router, 1, other)
        waiting = _batch(admin_user, day, router, 1, agent, on_router=False)
        voided = mine.pop()
        voucher_services.void_voucher(actor=admin_user, voucher=voided, reason="lost card")
        week.sites.remove(site)  # no longer offered there: the agent still holds 3
        fresh = make_client(site=site, actor=agent, phone=f"+2557{uuid.uuid4().int % 10**8:08d}")
        later = make_client(site=site, actor=agent, phone=f"+2557{uuid.uuid4().int % 10**8:08d}")
        later.expires_at = WHEN + timedelta(days=30)
        later.save(update_fields=["expires_at"])
        vouchers = [*mine, *weeks, voided, *theirs, *waiting]
        return {
            "site": site,
            "router": router,
            "agent": agent,
            "other": other,
            "vouchers": vouchers,
            "codes": [v.code for v in vouchers],
            "clients": [fresh, later],
            "packages": [day, week],
            "mine": mine,
            "weeks": weeks,
            "voided": voided,
            "theirs": theirs[0],
            "waiting": waiting[0],
        }

    return build


KEYS = [uuid.uuid4() for _ in range(20)]


def _requests(d) -> list[SaleRequest]:
    m, w, (fresh, later) = d["mine"], d["weeks"], d["clients"]

    def r(n, code, **kw):
        kw.setdefault("payment_method", "cash")
        kw.setdefault("sold_at", WHEN + timedelta(minutes=n))
        return SaleRequest(idempotency_key=KEYS[n], code=code, **kw)

    return [
        r(0, m[0].code),
        r(1, m[1].code.lower(), client=fresh, payment_method="mobile", payment_reference=" MP1 "),
        r(2, m[2].code, discount=Decimal("50"), client=later),  # no discount from an agent
        r(3, d["voided"].code),  # voided by the office: AlreadySold
        r(4, d["theirs"].code),  # another agent's: not in my stock
        r(5, w[0].code, client=fresh),  # a package the site no longer offers
        r(6, m[3].code, client=fresh),  # the same client again: the later expiry wins
        r(7, d["waiting"].code),  # not on the router yet
        r(8, m[4].code, payment_method="mobile"),  # no reference
        r(9, "NOSUCHCODE"),
        r(10, w[1].code, sold_at=None),  # sold now
        r(0, m[0].code),  # a replay of request 0 in the same run
        r(1, m[5].code),  # request 1's key with another request
        r(11, m[0].code),  # request 0's voucher again, new key: already sold
        r(12, m[6].code, discount=Decimal("5000")),  # over the discount limit
        r(13, w[2].code, client=later, receipt_phone="+255700000001"),  # access not shortened
    ]


def _one_by_one(seller, requests):
    results = []
    for q in requests:
        try:
            results.append(
                sell(
                    seller=seller,
                    idempotency_key=q.idempotency_key,
                    payment_method=q.payment_method,
                    code=q.code,
                    discount=q.discount,
                    payment_reference=q.payment_reference,
                    client=q.client,
                    sold_at=q.sold_at,
                    receipt_phone=q.receipt_phone,
                )
            )
        except services.SALE_ERRORS as exc:
            results.append(exc)
    return results


def _batched(seller, requests):
    results = []
    while len(results) < len(requests):
        done = sell_many(seller=seller, requests=requests[len(results) :])
        assert done, "sell_many answers at least the first request"
        results.extend(done)
    return results


def _label(d):
    """Each dataset's ids and codes by position, so two datasets compare."""
    names = {}
    for n, v in enumerate(d["vouchers"]):
        names[v.pk] = names[str(v.pk)] = names[v.code] = f"voucher{n}"
    for n, c in enumerate(d["clients"]):
        names[c.pk] = f"client{n}"
    for n, p in enumerate(d["packages"]):
        names[p.pk] = f"package{n}"
    names[d["agent"].pk] = "agent"
    names[d["site"].pk] = "site"
    names[d["site"].name] = "SITE"
    names[None] = None
    return names


def _text(names, value: str) -> str:
    for key, label in names.items():
        if isinstance(key, str) and key and len(key) >= 4:
            value = value.replace(key, label)
    return value


def _result(names, result):
    if isinstance(result, Exception):
        messages = getattr(result, "messages", None) or [str(result)]
        return type(result).__name__, [_text(names, m) for m in messages]
    sale, created = result
    return "sale", sale.receipt_number, names[sale.voucher_id], created


SALE_FIELDS = [
    "price",
    "discount",
    "amount",
    "commission",
    "payment_method",
    "payment_reference",
    "channel",
    "receipt_number",
    "idempotency_key",
    "sold_at",
]


def _rows(d, started):
    names = _label(d)
    sales = Sale.objects.filter(seller=d["agent"]).order_by("receipt_number")
    now_sold = {s.receipt_number for s in sales if s.sold_at >= started}
    rows = {
        "sales": [
            {
                **{
                    f: getattr(s, f)
                    for f in SALE_FIELDS
                    if not (f == "sold_at" and s.receipt_number in now_sold)
                },
                "voucher": names[s.voucher_id],
                "site": names[s.site_id],
                "seller": names[s.seller_id],
                "client": names[s.client_id],
                "package": names[s.package_id],
                "hash_is_request": s.request_hash
                == services.sale_fingerprint(
                    payment_method=s.payment_method,
                    code=s.voucher.code,
                    discount=s.discount,
                    payment_reference=s.payment_reference,
                    id=s.client_id,
                ),
            }
            for s in sales
        ],
        "history": [
            (
                h.history_type,
                names[h.history_user_id],
                h.receipt_number,
                h.amount,
                h.commission,
                names[h.voucher_id],
                names[h.client_id],
            )
            for h in Sale.history.filter(seller=d["agent"]).order_by("receipt_number")
        ],
        "receipt_counter": ReceiptCounter.objects.get(site=d["site"]).last_number,
        "vouchers": [
            (
                names[v.pk],
                v.status,
                v.sold_at if not (v.sold_at and v.sold_at >= started) else "now",
                names.get(v.agent_id, "other"),
            )
            for v in sorted(
                Voucher.objects.filter(pk__in=[v.pk for v in d["vouchers"]]),
                key=lambda v: names[v.pk],
            )
        ],
        "events": sorted(
            (names[e.voucher_id], e.kind, names.get(e.actor_id), e.note)
            for e in VoucherEvent.objects.filter(voucher__in=d["vouchers"], at__gte=started)
        ),
        "clients": [(names[c.pk], type(c).objects.get(pk=c.pk).expires_at) for c in d["clients"]],
        "router": sorted(
            (names[u.name], u.comment, u.sync_state)
            for u in HotspotUser.objects.filter(router=d["router"], name__in=d["codes"])
        ),
    }
    receipt_of = {str(s.pk): s.receipt_number for s in sales}
    rows["announced"] = sorted(
        (e.event, e.handler, receipt_of.get(e.payload.get("sale_id")), e.payload.get("sms_phone"))
        for e in EventDelivery.objects.filter(payload__sale_id__in=list(receipt_of))
    )
    return rows


def test_sell_many_writes_what_sell_writes_one_by_one(dataset):
    single, batched = dataset(), dataset()
    started = timezone.now()
    one = _one_by_one(single["agent"], _requests(single))
    many = _batched(batched["agent"], _requests(batched))

    assert [_result(_label(single), r) for r in one] == [_result(_label(batched), r) for r in many]
    kinds = [type(r).__name__ if isinstance(r, Exception) else "sale" for r in one]
    assert kinds.count("sale") == 7  # 6 new sales and the replay
    assert set(kinds) == {
        "sale",
        "AlreadySold",
        "NotOnRouter",
        "ValidationError",
        "IdempotencyKeyReused",
        "NotAllowed",  # an agent gives no discount
    }

    expected, got = _rows(single, started), _rows(batched, started)
    for part in expected:
        assert got[part] == expected[part], part
    assert len(expected["sales"]) == 6 and expected["receipt_counter"] == 6
    assert len(expected["history"]) == 6
    assert [s["commission"] for s in expected["sales"]].count(Decimal("300.00")) == 3
    assert {r for _e, _h, r, _p in expected["announced"]} == {2, 3, 4, 6}  # to a client


def test_sell_many_replays_a_run_already_applied(dataset):
    d = dataset()
    first = _batched(d["agent"], _requests(d))
    again = _batched(d["agent"], _requests(d))
    sold = [r for r in first if not isinstance(r, Exception)]
    replayed = [r for r in again if not isinstance(r, Exception)]
    assert [s.pk for s, _c in sold] == [s.pk for s, _c in replayed]
    assert not any(created for _s, created in replayed)
    assert Sale.objects.filter(seller=d["agent"]).count() == 6


def test_sell_many_is_a_few_statements_for_a_run(dataset):
    d = dataset()
    requests = [
        SaleRequest(idempotency_key=uuid.uuid4(), payment_method="cash", code=v.code)
        for v in d["mine"][:7]
    ]
    sell_many(seller=d["agent"], requests=requests[:1])  # the site's receipt counter exists
    requests = requests[1:]
    with CaptureQueriesContext(connection) as queries:
        results = sell_many(seller=d["agent"], requests=requests)
    assert all(created for _sale, created in results)
    # replays, vouchers (their packages and sites), rules, receipts, sales, history, vouchers,
    # events, router (+ savepoint)
    assert len(queries) <= 14, "\n".join(q["sql"][:90] for q in queries)
