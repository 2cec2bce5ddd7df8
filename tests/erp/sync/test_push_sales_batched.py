"""A run of pushed sales goes through `sell_many`; the answers, conflict records and rows are
the ones the one-sale-at-a-time path gives.

Two datasets built the same way; the same queue (sales that go through, and every kind of
refusal a sale meets: a voucher the office voided, one moved to another agent, one that was
never the agent's, a client phone that is not a phone, a malformed payload, a key reused, a
clock out of range) is pushed to the first with SYNC_TX_OPS = 1 (one operation a transaction:
every sale through `sell` / `sell_to_phone`) and to the second as one run (consecutive sales
through `sell_many`). Ids, codes and times are replaced by their position before comparing.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sales.models import Sale
from erp.sync import services
from erp.sync.models import AppliedOperation, Conflict
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.conftest import put_on_router

from .conftest import Phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def build(make_router, make_user, make_client, admin_user):
    def make():
        router = make_router()
        agent, other = make_user(Role.AGENT), make_user(Role.AGENT)
        router.site.agents.add(agent, other)
        package = voucher_services.save_package(
            actor=admin_user,
            name=f"1 Day {uuid.uuid4().hex[:6]}",
            price=Decimal("1000"),
            validity_seconds=86400,
            sites=[router.site],
        )
        batch = voucher_services.request_batch(
            actor=None, package=package, router=router, quantity=14, preapproved=True
        )
        voucher_services.generate_batch(batch)
        put_on_router(batch)
        ids = list(
            Voucher.objects.filter(batch=batch).order_by("code").values_list("pk", flat=True)
        )
        voucher_services.assign_to_agent(
            actor=admin_user, agent=agent, vouchers=Voucher.objects.filter(pk__in=ids[:12])
        )
        voucher_services.assign_to_agent(
            actor=admin_user, agent=other, vouchers=Voucher.objects.filter(pk__in=ids[12:])
        )
        mine = list(Voucher.objects.filter(pk__in=ids[:12]).order_by("code"))
        theirs = list(Voucher.objects.filter(pk__in=ids[12:]).order_by("code"))
        # what the office did while the phone was offline
        voucher_services.void_voucher(actor=admin_user, voucher=mine[9], reason="lost card")
        voucher_services.assign_to_agent(
            actor=admin_user, agent=other, vouchers=Voucher.objects.filter(pk=mine[10].pk)
        )
        client = make_client(
            site=router.site, actor=agent, phone=f"+2557{uuid.uuid4().int % 10**8:08d}"
        )
        return {
            "agent": agent,
            "site": router.site,
            "package": package,
            "vouchers": mine + theirs,
            "mine": mine,
            "theirs": theirs,
            "client": client,
        }

    return make


def _queue(d, phone: Phone):
    m, now = d["mine"], timezone.now()
    key = uuid.uuid4()
    return [
        phone.sell(m[0].code),
        phone.sell(m[1].code, client_id=str(d["client"].pk)),
        phone.sell(m[9].code),  # voided by the office: a money conflict
        phone.sell(m[10].code),  # moved to another agent: a money conflict
        phone.sell(d["theirs"][0].code),  # never mine: rejected
        phone.sell(m[2].code, payment_method="mobile", payment_reference="MP-77"),
        phone.sell(m[3].code, surprise=1),  # malformed: rejected
        phone.sell(m[4].code, client_phone="not a phone"),  # through sell_to_phone: rejected
        phone.sell(m[5].code, client_phone="+255754000099", client_name="Neema"),
        phone.op("sell", "sale", {"code": m[6].code, "payment_method": "cash"}, id=key),
        phone.op("sell", "sale", {"code": m[7].code, "payment_method": "cash"}, id=key),
        phone.op(  # a clock out of range: dated on arrival, flagged
            "sell",
            "sale",
            {"code": m[8].code, "payment_method": "cash"},
            client_time=(now - timedelta(days=400)).isoformat(),
        ),
        phone.sell(m[0].code),  # sold earlier in the run: a money conflict
        phone.sell(m[11].code, discount="100"),  # an agent gives no discount: rejected
    ]


def _names(d):
    names = {}
    for n, v in enumerate(d["vouchers"]):
        names[v.code] = f"voucher{n}"
    names[str(d["client"].pk)] = "client"
    names[str(d["package"].pk)] = "package"
    names[str(d["site"].pk)] = "site"
    for s in Sale.objects.filter(seller=d["agent"]):
        names[str(s.pk)] = f"sale{s.receipt_number}"
    # one client per phone across sites: a phone both datasets sell to is one client, so the
    # agent's sales name their clients too, not only the clients the agent registered
    sold_to = Sale.objects.filter(seller=d["agent"]).values("client")
    for c in Client.objects.filter(Q(agent=d["agent"]) | Q(pk__in=sold_to)).exclude(
        pk=d["client"].pk
    ):
        names[str(c.pk)] = f"client {c.phone}"
    return names


TIMES = ("sold_at", "client_time")


def _voucher(d, pk):
    return next((f"voucher{n}" for n, v in enumerate(d["vouchers"]) if str(v.pk) == str(pk)), pk)


def _clean(names, value, ids=()):
    """The value with ids and codes named by position and times dropped."""
    if isinstance(value, dict):
        return {
            k: "a voucher id" if k == "voucher_id" else _clean(names, v, ids)
            for k, v in value.items()
            if k not in TIMES and not (k == "id" and ids == "drop")
        }
    if isinstance(value, list):
        return [_clean(names, v, ids) for v in value]
    if isinstance(value, str):
        for key, label in names.items():
            value = value.replace(key, label)
    return value


def _outcome(d, answers, seqs):
    names = _names(d)
    for op_id, n in seqs.items():
        names.setdefault(op_id, f"op{n}")
    return [_clean(names, json.loads(json.dumps(a)), ids="drop") for a in answers]


def _conflicts(d):
    names = _names(d)
    return sorted(
        (
            c.operation.seq,
            c.kind,
            c.entity,
            _voucher(d, c.entity_id) if c.entity == "voucher" else names.get(c.entity_id),
            c.field,
            json.dumps(_clean(names, c.server_value if c.kind != "clock_skew" else None)),
            json.dumps(_clean(names, c.device_value if c.kind != "clock_skew" else None)),
            c.amount,
            _clean(names, c.detail),
        )
        for c in Conflict.objects.filter(user=d["agent"]).select_related("operation")
    )


def _sales(d):
    names = _names(d)
    return [
        (
            s.receipt_number,
            _voucher(d, s.voucher_id),
            names.get(str(s.client_id)),
            s.amount,
            s.commission,
            s.payment_method,
            s.payment_reference,
            s.channel,
        )
        for s in Sale.objects.filter(seller=d["agent"]).order_by("receipt_number")
    ]


def test_a_run_of_sales_answers_and_writes_what_one_at_a_time_does(build, settings):
    one, run = build(), build()
    phone_one, phone_run = Phone(), Phone()
    queue_one, queue_run = _queue(one, phone_one), _queue(run, phone_run)

    settings.SYNC_TX_OPS = 1
    with CaptureQueriesContext(connection) as single:
        answers_one = services.push(user=one["agent"], ops=queue_one)
    settings.SYNC_TX_OPS = 100
    settings.SYNC_TX_MS = 60_000
    with CaptureQueriesContext(connection) as batched:
        answers_run = services.push(user=run["agent"], ops=queue_run)
    # the runs of sales went through sell_many (one set of statements per run)
    assert len(batched) < len(single) * 0.7, (len(batched), len(single))

    outcomes = [a["outcome"] for a in answers_one]
    assert outcomes.count("applied") == 6, answers_one
    assert outcomes.count("conflict") == 3 and outcomes.count("rejected") == 5
    assert _outcome(one, answers_one, {op["id"]: op["seq"] for op in queue_one}) == _outcome(
        run, answers_run, {op["id"]: op["seq"] for op in queue_run}
    )
    assert _conflicts(one) == _conflicts(run)
    assert len(_conflicts(one)) == 4  # three vouchers gone, one clock
    assert _sales(one) == _sales(run)
    assert [
        a["outcome"]
        for a in AppliedOperation.objects.filter(device_id=phone_run.device_id)
        .order_by("seq")
        .values("outcome")
    ] == outcomes

    # a replay of the whole queue changes nothing and answers the same
    before = (Sale.objects.count(), Conflict.objects.count(), AppliedOperation.objects.count())
    assert services.push(user=run["agent"], ops=queue_run) == answers_run
    assert (
        Sale.objects.count(),
        Conflict.objects.count(),
        AppliedOperation.objects.count(),
    ) == before
