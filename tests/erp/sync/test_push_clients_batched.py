"""Runs of pushed client creates and edits go through `create_clients_many` /
`update_clients_many`; the answers, conflict records and rows are the ones the
one-operation-at-a-time path (`create_client` / `update_client`) gives.

Two datasets built the same way (each its own site, agents, vouchers, clients, phones); the same
queue, by position, is pushed to the first with SYNC_TX_OPS = 1 (one operation a transaction:
every client operation alone through `_apply_op`) and to the second as one run. The queue mixes
what a week brings (creates, an edit of a client created earlier in the same push, sales to
those clients by id and by phone) with every way a client operation is refused or conflicts: a
phone already filed (by this agent: the app uses that record; by another agent: refused), a
phone filed earlier in the same push, an id that exists or was used earlier in the push, an
invalid phone, MAC or name, an unknown field, a site not the agent's, an edit of an unknown
client, a second edit of the same client, a phone changed to one another client holds, an edit
over a value the office changed meanwhile (latest wins, the loser kept). Then every row either
path wrote — clients, their history, the change feed's client rows, the applied operations, the
conflicts, the sales — is compared field by field, with ids and phones named by position.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.clients import services as client_services
from erp.clients.models import Client
from erp.sales.models import Sale
from erp.sync import services
from erp.sync.models import AppliedOperation, ChangeLog, Conflict

from .conftest import Phone

pytestmark = pytest.mark.django_db


def _queue(d, phone: Phone):
    p, codes = d["phones"], d["codes"]
    a, b, i, j = (str(uuid.uuid4()) for _ in range(4))

    def create(record_id=None, **payload):
        return phone.op("create", "client", payload, id=record_id)

    def edit(record_id, base=None, **fields):
        payload = {"fields": fields}
        if base is not None:
            payload["base"] = base
        return phone.op("update", "client", payload, id=record_id)

    mine = str(d["mine"].pk)
    return [
        create(a, phone=p[2], name="Amina"),
        create(b, phone=p[3], mac_address="aa-bb-cc-dd-ee-ff", marketing_consent=True),
        edit(a, notes="met at the market"),  # created two operations before
        edit(mine, base={"name": "Old", "notes": ""}, name="Mine", notes="n"),  # office renamed
        create(phone=p[0], name="Again"),  # my own client's phone: that record, a conflict
        create(phone=p[1]),  # another agent's client: refused
        create(phone="not a phone"),
        create(mine, phone=p[4]),  # an id that exists
        create(a, phone=p[5]),  # an id used earlier in this push
        create(phone=p[6], age="30"),  # unknown field
        create(phone=p[3], name="B again"),  # a phone filed earlier in this push
        phone.sell(codes[0], client_id=a),  # a client created in this push, by id
        create(phone=p[7], mac_address="nonsense"),
        create(phone=p[8], name="x" * 121),
        create(phone=p[9], site_id=str(d["elsewhere"].pk)),  # not the agent's site
        create(phone=p[10], site_id=str(d["site"].pk), language="fr"),  # not a pushed field
        edit(a, name="Amina K"),
        edit(a, notes="second edit"),  # the same client twice in a row
        edit(str(uuid.uuid4()), name="ghost"),
        edit(b, phone=p[11]),
        edit(mine, phone=p[2]),  # Amina's phone: refused
        edit(mine, marketing_consent="yes"),  # not a boolean
        phone.sell(codes[1], client_phone=p[11]),  # B, by its new phone
        phone.sell(codes[2], client_phone=p[12], client_name="Neema"),  # filed by the sale
        create(phone=p[12], name="Neema"),  # the sale filed it: the app uses that record
        create(i, phone=p[13], name="I"),
        create(j, phone=p[14], name="J", notes="j"),
        edit(i, base={"name": "I"}, name="I2", mac_address="AA:BB:CC:00:11:22"),
        edit(j, base={"notes": "j"}, notes="j2", marketing_consent=True),
        edit(b, phone=p[3]),  # back to its first phone, free again
        create(phone=p[11], name="B's old phone"),  # B moved off it: free again
        phone.sell(codes[3], client_id=j),
    ]


def _names(d, queue):
    names = {}
    for n, value in enumerate(d["phones"]):
        names[value] = f"phone{n}"
    for n, op in enumerate(queue):
        names.setdefault(op["id"], f"op{n}")
    names[str(d["mine"].pk)] = "mine"
    names[str(d["theirs"].pk)] = "theirs"
    names[str(d["site"].pk)] = "site"
    names[str(d["elsewhere"].pk)] = "elsewhere"
    names[str(d["agent"].pk)] = "agent"
    names[str(d["other"].pk)] = "other"
    names[str(d["package"].pk)] = "package"
    for n, code in enumerate(d["codes"]):
        names[code] = f"code{n}"
    for c in Client.objects.filter(site=d["site"]):
        names.setdefault(str(c.pk), f"client {names.get(str(c.phone), c.phone)}")
    for s in Sale.objects.filter(seller=d["agent"]):
        names[str(s.pk)] = f"sale{s.receipt_number}"
    for c in Conflict.objects.filter(user=d["agent"]).select_related("operation"):
        names[str(c.pk)] = f"conflict {c.operation.seq} {c.field}"
    return names


TIMES = ("sold_at", "client_time", "updated_at", "expires_at", "created_at")


def _clean(names, value):
    """The value with ids, codes and phones named by position and times dropped."""
    if isinstance(value, dict):
        return {
            k: "a voucher id" if k == "voucher_id" else _clean(names, v)
            for k, v in value.items()
            if k not in TIMES
        }
    if isinstance(value, list):
        return [_clean(names, v) for v in value]
    if isinstance(value, str):
        for key, label in names.items():
            value = value.replace(key, label)
        return value
    if isinstance(value, uuid.UUID):
        return names.get(str(value), "unnamed id")
    return value


def _rows(d, queue):
    """Everything both paths wrote, named and without times."""
    names = _names(d, queue)
    clean = lambda value: _clean(names, json.loads(json.dumps(value, default=str)))  # noqa: E731
    fields = ["id", "name", "phone", "mac_address", "site_id", "agent_id", "marketing_consent"]
    fields += ["language", "notes"]
    clients = Client.objects.filter(site__in=[d["site"], d["elsewhere"]])
    return {
        "clients": sorted(
            (clean(row) for row in clients.values(*fields)), key=lambda r: r["phone"]
        ),
        "history": sorted(
            (
                clean(row)
                for row in Client.history.filter(id__in=clients.values("pk")).values(
                    *fields, "history_type", "history_user_id", "history_change_reason"
                )
            ),
            key=json.dumps,
        ),
        "feed": sorted(
            (
                clean(row)
                for row in ChangeLog.objects.filter(
                    entity="client",
                    entity_id__in=[str(pk) for pk in clients.values_list("pk", flat=True)],
                ).values("entity", "entity_id", "owner_id", "site_id", "deleted")
            ),
            key=json.dumps,
        ),
        "applied": [
            clean(row)
            for row in AppliedOperation.objects.filter(device__user=d["agent"])
            .order_by("seq")
            .values("seq", "op", "entity", "entity_id", "outcome", "result", "fingerprint")
        ],
        "conflicts": sorted(
            (
                clean(
                    {
                        "seq": c.operation.seq,
                        "kind": c.kind,
                        "entity": c.entity,
                        "entity_id": c.entity_id,
                        "field": c.field,
                        "server_value": c.server_value,
                        "device_value": c.device_value,
                        "amount": c.amount,
                        "detail": c.detail,
                    }
                )
                for c in Conflict.objects.filter(user=d["agent"]).select_related("operation")
            ),
            key=json.dumps,
        ),
        "sales": [
            clean(row)
            for row in Sale.objects.filter(seller=d["agent"])
            .order_by("receipt_number")
            .values("receipt_number", "client_id", "amount", "payment_method")
        ],
    }


def test_runs_of_client_operations_write_what_one_at_a_time_does(build, settings):
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

    names_one, names_run = _names(one, queue_one), _names(run, queue_run)
    assert _clean(names_one, answers_one) == _clean(names_run, answers_run)
    outcomes = [a["outcome"] for a in answers_one]
    assert outcomes.count("applied") == 16, " ".join(
        f"{n}{o[0]}" for n, o in enumerate(outcomes, 1)
    )
    assert outcomes.count("conflict") == 4 and outcomes.count("rejected") == 12, outcomes
    rows_one, rows_run = _rows(one, queue_one), _rows(run, queue_run)
    for rows in (rows_one, rows_run):  # the operations as sent differ by ids and phones
        for row in rows["applied"]:
            row.pop("fingerprint")
    assert rows_one == rows_run
    assert len(rows_one["clients"]) == 8 and len(rows_one["conflicts"]) == 4
    assert {"history_type": "~", "name": "Amina K"}.items() <= next(
        h for h in rows_one["history"] if h["name"] == "Amina K"
    ).items()

    # most of this queue is refusals, which go one at a time in both
    assert len(batched) < len(single) * 0.8, (len(batched), len(single))

    # a replay of the whole queue changes nothing and answers the same
    before = (Client.objects.count(), Client.history.count(), ChangeLog.objects.count())
    assert services.push(user=run["agent"], ops=queue_run) == answers_run
    assert (Client.objects.count(), Client.history.count(), ChangeLog.objects.count()) == before


def test_a_run_of_creates_and_edits_costs_a_few_statements(build, settings):
    d = build()
    phone = Phone()
    p = d["phones"]
    ids = [str(uuid.uuid4()) for _ in range(10)]
    queue = [
        phone.op("create", "client", {"phone": p[5 + n], "name": f"N{n}"}, id=ids[n])
        for n in range(10)
    ]
    queue += [
        phone.op("update", "client", {"fields": {"notes": f"e{n}"}}, id=ids[n]) for n in range(10)
    ]
    settings.SYNC_TX_OPS = 100
    settings.SYNC_TX_MS = 60_000
    with CaptureQueriesContext(connection) as queries:
        answers = services.push(user=d["agent"], ops=queue)
    assert [a["outcome"] for a in answers] == ["applied"] * 20
    # device, stored answers, known ids, sites; begin, lock, savepoint, scope, taken, insert,
    # history, lock the edited, their scope, update, history, release; records, device, commit
    assert len(queries) <= 22, "\n".join(q["sql"][:150] for q in queries)
    assert sorted(Client.objects.filter(pk__in=ids).values_list("notes", flat=True)) == [
        f"e{n}" for n in range(10)
    ]
    assert Client.history.filter(id__in=ids).count() == 20
    assert ChangeLog.objects.filter(entity="client", entity_id__in=ids).count() == 20


def test_an_integrity_error_undoes_the_group_and_it_goes_one_by_one(build, settings, monkeypatch):
    """The group's insert meets a unique constraint (a phone filed by another push between
    the group's check and its insert): the group's savepoint undoes what it wrote and each
    operation goes alone through create_client, which answers it; nothing is written twice."""
    from django.db import IntegrityError

    d = build()
    phone = Phone()
    p = d["phones"]
    real = client_services.create_clients_many
    calls = []

    def racing(*, actor, clients):
        calls.append(len(clients))
        real(actor=actor, clients=clients)  # written, then undone by the savepoint
        raise IntegrityError('duplicate key value violates unique constraint "client_unique_phone"')

    monkeypatch.setattr(client_services, "create_clients_many", racing)
    settings.SYNC_TX_OPS = 100
    settings.SYNC_TX_MS = 60_000
    queue = [phone.add_client(p[5], "Five"), phone.add_client(p[6], "Six")]
    answers = services.push(user=d["agent"], ops=queue)
    assert [a["outcome"] for a in answers] == ["applied", "applied"], answers
    assert calls and calls[0] == 2  # the group was tried first
    ids = [op["id"] for op in queue]
    assert Client.objects.filter(pk__in=ids).count() == 2
    assert Client.history.filter(id__in=ids).count() == 2
    assert ChangeLog.objects.filter(entity="client", entity_id__in=ids).count() == 2
    assert AppliedOperation.objects.filter(device_id=phone.device_id).count() == 2
