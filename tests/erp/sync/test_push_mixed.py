"""An agent's queue interleaves sales and client operations (sell, sell, add a client, sell…).
A stretch of sales that name no client and client creates/edits is applied with each kind
set-based once (`_apply_mixed`), not once per short run of each; what it writes and answers is
what one operation at a time gives, refusals and conflicts included (issue 16's push speed)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.sales.models import Sale
from erp.sync import services
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher

from .conftest import Phone
from .test_push_clients_batched import _clean, _names, _rows

pytestmark = pytest.mark.django_db


def _mixed_queue(d, phone: Phone, voided: str):
    p, codes = d["phones"], d["codes"]
    a, b, c, e = (str(uuid.uuid4()) for _ in range(4))

    def create(record_id=None, **payload):
        return phone.op("create", "client", payload, id=record_id)

    def edit(record_id, **fields):
        return phone.op("update", "client", {"fields": fields}, id=record_id)

    return [
        # a refusal after a later create went through: the stretch is undone, the plain way
        phone.sell(codes[0]),
        phone.sell(codes[1]),
        create(a, phone=p[2], name="Amina"),
        edit(a, notes="market"),  # a client created earlier in this stretch
        phone.sell(codes[2]),
        create(e, phone=p[7], name="E"),
        phone.sell(codes[3]),
        create(phone=p[1]),  # another agent's client: refused
        phone.sell(codes[4]),
        phone.sell(codes[5], client_id=a),  # names a client: ends the stretch
        # an edit of a client created later in the queue: refused, as one by one
        phone.sell(codes[6]),
        phone.sell(codes[7]),
        edit(c, name="C"),
        phone.sell(codes[8]),
        create(c, phone=p[3], name="C0"),
        phone.sell(codes[9]),
        phone.sell(codes[10], client_id=c),
        # conflicts and refusals of sales inside a stretch; a phone change ends it
        phone.sell(voided),  # the office voided it meanwhile: a conflict for Finance
        phone.sell(codes[11]),
        create(b, phone=p[4]),
        phone.sell("NOT-A-CODE"),
        phone.sell(codes[12]),
        edit(b, phone=p[5]),  # a phone change: the plain path
        phone.sell(codes[13]),
        create(phone=p[4], name="B's old phone"),  # free again after B moved
        phone.sell(codes[0]),  # sold at the head of this queue
        create(phone=p[6], name="D"),
        phone.sell(codes[14]),
        edit(e, notes="e"),
    ]


def _void_one(d, admin_user) -> str:
    """The agent's last voucher, voided by the office while the phone was offline."""
    voucher = Voucher.objects.get(code=d["codes"][-1])
    voucher_services.void_voucher(actor=admin_user, voucher=voucher, reason="lost card")
    return voucher.code


@pytest.fixture
def stocked(build, admin_user):
    def make():
        d = build(quantity=16)
        d["voided"] = _void_one(d, admin_user)  # the last code; the queues sell the 15 before it
        return d

    return make


def test_an_interleaved_queue_writes_what_one_at_a_time_does(stocked, settings):
    one, run = stocked(), stocked()
    phone_one, phone_run = Phone(), Phone()
    queue_one = _mixed_queue(one, phone_one, one["voided"])
    queue_run = _mixed_queue(run, phone_run, run["voided"])
    settings.SYNC_TX_OPS = 1
    answers_one = services.push(user=one["agent"], ops=queue_one)
    settings.SYNC_TX_OPS = 100
    settings.SYNC_TX_MS = 60_000
    answers_run = services.push(user=run["agent"], ops=queue_run)

    names_one, names_run = _names(one, queue_one), _names(run, queue_run)
    assert _clean(names_one, answers_one) == _clean(names_run, answers_run)
    outcomes = [a["outcome"] for a in answers_one]
    # for Finance: the voucher the office voided, and the one this queue sold already
    assert outcomes.count("conflict") == 2, outcomes
    assert outcomes.count("rejected") == 3, outcomes  # edit before create, theirs, unknown code
    rows_one, rows_run = _rows(one, queue_one), _rows(run, queue_run)
    for rows in (rows_one, rows_run):
        for row in rows["applied"]:
            row.pop("fingerprint")
        for row in rows["conflicts"]:  # a voucher's number; its code (device_value) names it
            row.pop("entity_id")
    assert rows_one == rows_run
    assert [s["receipt_number"] for s in rows_one["sales"]] == [
        s["receipt_number"] for s in rows_run["sales"]
    ]
    assert Sale.objects.filter(seller=run["agent"]).count() == 15


def test_a_clean_interleaved_queue_costs_a_few_statements(stocked, settings):
    d = stocked()
    phone = Phone()
    p = d["phones"]
    queue, ids = [], []
    for n in range(3):  # the bench's week: 7 sales, 2 new clients, an edit; three times
        queue += [phone.sell(code) for code in d["codes"][n * 4 : n * 4 + 4]]
        ids += [str(uuid.uuid4()), str(uuid.uuid4())]
        queue.append(phone.op("create", "client", {"phone": p[5 + 2 * n]}, id=ids[-2]))
        queue.append(phone.op("create", "client", {"phone": p[6 + 2 * n]}, id=ids[-1]))
        queue.append(phone.op("update", "client", {"fields": {"notes": "x"}}, id=ids[-2]))
    settings.SYNC_TX_OPS = 100
    settings.SYNC_TX_MS = 60_000
    with CaptureQueriesContext(connection) as run:
        answers = services.push(user=d["agent"], ops=queue)
    assert [a["outcome"] for a in answers] == ["applied"] * len(queue)
    # one sell_many and one client group for the stretch (~35), not three of each (~70)
    assert len(run) <= 45, len(run)
