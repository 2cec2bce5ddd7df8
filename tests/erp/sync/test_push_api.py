"""POST /api/v1/sync/push: each operation once, in order, through the sales and clients
services; every bad input gets its own clear answer and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sales.models import Sale
from erp.sync.models import AppliedOperation, Conflict, Device
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher

from .conftest import Phone

PUSH = "/api/v1/sync/push"


def push(client, ops, **kw):
    return client.post(PUSH, {"ops": ops}, format="json", **kw)


def state():
    """Everything a push may change, to assert that a refused one changed nothing."""
    return (
        Sale.objects.count(),
        Client.objects.count(),
        sorted(Voucher.objects.values_list("code", "status", "agent_id")),
        AppliedOperation.objects.count(),
        Conflict.objects.count(),
    )


@pytest.mark.django_db
def test_sales_and_clients_applied_once_and_replay_changes_nothing(api, field, phone):
    agent = field["agent"]
    client_op = phone.add_client("+255754000001", "Asha")
    ops = [
        client_op,
        phone.sell(field["mine"][0].code, client_id=client_op["id"]),
        phone.sell(field["mine"][1].code, payment_method="mobile", payment_reference="MP1"),
        phone.sell(field["mine"][2].code, client_phone="+255754000002", client_name="Juma"),
    ]
    r = push(api(agent), ops)
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["applied"] * 4, results
    assert results[1]["record"]["client_id"] == client_op["id"]
    assert Client.objects.filter(pk=client_op["id"], agent=agent).exists()
    assert Sale.objects.filter(seller=agent).count() == 3
    assert Device.objects.get(pk=phone.device_id).last_seq == 4
    before = state()
    # The answer was lost: the phone sends the whole queue again, then a prefix of it.
    again = push(api(agent), ops).json()["results"]
    assert again == results
    assert push(api(agent), ops[:2]).json()["results"] == results[:2]
    assert state() == before


@pytest.mark.django_db
def test_gap_in_seq_is_refused_and_nothing_after_it_applies(api, field, phone):
    agent = field["agent"]
    first = phone.sell(field["mine"][0].code)
    phone.seq += 1  # seq 2 never sent
    later = [phone.sell(field["mine"][1].code), phone.sell(field["mine"][2].code)]
    results = push(api(agent), [first, *later]).json()["results"]
    assert results[0]["outcome"] == "applied"
    for r in results[1:]:
        assert r["outcome"] == "rejected" and r["retry"] is True
        assert "Operation 2 has not arrived" in r["reason"]
    assert Sale.objects.count() == 1
    assert AppliedOperation.objects.count() == 1


@pytest.mark.django_db
def test_seq_reused_for_another_operation_is_refused(api, field, phone):
    agent = field["agent"]
    op = phone.sell(field["mine"][0].code)
    push(api(agent), [op])
    before = state()
    other = phone.sell(field["mine"][1].code, seq=1)
    twice = phone.sell(field["mine"][2].code, seq=2)
    dup = dict(twice, id=str(uuid.uuid4()))
    results = push(api(agent), [other, twice, dup]).json()["results"]
    assert results[0]["outcome"] == "rejected"
    assert "already used for a different change" in results[0]["reason"]
    assert results[1]["outcome"] == "applied"
    assert results[2]["outcome"] == "rejected"
    assert "already used" in results[2]["reason"]
    assert Sale.objects.count() == before[0] + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda op: op.update(op="explode"), "Unknown operation"),
        (lambda op: op.update(entity="spaceship"), "Unknown entity"),
        (lambda op: op.update(entity=["sale"]), "Unknown entity"),
        (lambda op: op.update(op={"sell": 1}), "Unknown operation"),
        (lambda op: op.update(id="not-a-uuid"), "id is not a valid UUID"),
        (lambda op: op.update(op="delete"), "cannot be changed with 'delete'"),
        (lambda op: op.update(payload=["a"]), "payload must be an object"),
        (lambda op: op["payload"].update(colour="red"), "Unknown sale fields: colour"),
        (lambda op: op["payload"].update(code=""), "Give the code"),
        (lambda op: op["payload"].update(payment_method="mobile"), "mobile money reference"),
        (lambda op: op["payload"].update(client_id="zzz"), "client_id is not a valid UUID"),
        (lambda op: op["payload"].update(discount="lots"), "discount"),
    ],
)
def test_malformed_operation_is_rejected_with_its_reason(api, field, phone, mutate, reason):
    agent = field["agent"]
    op = phone.sell(field["mine"][0].code)
    mutate(op)
    before = state()
    results = push(api(agent), [op]).json()["results"]
    assert results[0]["outcome"] == "rejected"
    assert reason in results[0]["reason"], results[0]
    after = state()
    # Recorded as rejected (its replay answers the same), nothing else changed.
    assert after[:3] == before[:3] and after[3] == before[3] + 1 and after[4] == before[4]
    assert push(api(agent), [op]).json()["results"] == results


@pytest.mark.django_db
def test_malformed_device_id_and_seq_are_refused_unstored(api, field, phone):
    agent = field["agent"]
    bad_device = dict(phone.sell(field["mine"][0].code), device_id="phone-1")
    bad_seq = dict(phone.sell(field["mine"][1].code), seq="two")
    zero = dict(phone.sell(field["mine"][2].code), seq=0)
    before = state()
    results = push(api(agent), [bad_device, bad_seq, zero, "x"]).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected"] * 4
    assert "device_id is not a valid UUID" in results[0]["reason"]
    assert "seq must be a whole number" in results[1]["reason"]
    assert "seq must be a whole number" in results[2]["reason"]
    assert state() == before


@pytest.mark.django_db
def test_voucher_of_another_agent_or_the_office_is_not_sold(api, field, phone):
    agent = field["agent"]
    ops = [phone.sell(field["theirs"][0].code), phone.sell(field["office"][0].code)]
    results = push(api(agent), ops).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    assert all("No voucher with this code in your stock" in r["reason"] for r in results)
    assert Sale.objects.count() == 0
    assert Voucher.objects.get(pk=field["theirs"][0].pk).status == "unused"


@pytest.mark.django_db
def test_device_of_another_user_is_refused(api, field):
    shared = Phone()
    push(api(field["agent"]), [shared.sell(field["mine"][0].code)])
    before = state()
    results = push(api(field["other"]), [shared.sell(field["theirs"][0].code)]).json()["results"]
    assert results[0]["outcome"] == "rejected"
    assert "registered to another user" in results[0]["reason"]
    assert state() == before


@pytest.mark.django_db
def test_client_of_another_agent_cannot_be_edited_or_used(api, field, make_client, phone):
    theirs = make_client(site=field["site"], actor=field["other"], name="Theirs")
    ops = [
        phone.op("update", "client", {"fields": {"name": "Mine now"}}, id=theirs.pk),
        phone.sell(field["mine"][0].code, client_id=str(theirs.pk)),
        phone.add_client("+255754000009", site_id=str(uuid.uuid4())),
    ]
    results = push(api(field["agent"]), ops).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected"] * 3
    assert "No such client" in results[0]["reason"]
    assert "client_id: No such client" in results[1]["reason"]
    assert "Select a site you work on" in results[2]["reason"]
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and Sale.objects.count() == 0


@pytest.mark.django_db
def test_ten_megabyte_body_is_refused_unread(api, field, phone):
    body = json.dumps({"ops": [phone.sell(field["mine"][0].code)], "pad": "x" * 10_000_000})
    before = state()
    r = api(field["agent"]).post(PUSH, body, content_type="application/json")
    assert r.status_code == 413
    assert "smaller pushes" in r.json()["detail"]
    assert state() == before


@pytest.mark.django_db
def test_too_many_operations_or_no_list(api, field, phone, settings):
    settings.SYNC_MAX_OPS = 3
    ops = [phone.sell(v.code) for v in field["mine"][:4]]
    r = push(api(field["agent"]), ops)
    assert r.status_code == 400 and "At most 3 operations" in r.json()["ops"][0]
    r = api(field["agent"]).post(PUSH, {"ops": "all"}, format="json")
    assert r.status_code == 400 and "list of operations" in r.json()["detail"]
    assert Sale.objects.count() == 0


@pytest.mark.django_db
def test_only_agents_and_technicians_sync(api, users):
    for role in Role.values:
        r = push(api(users[role]), [])
        expected = 200 if role in (Role.AGENT, Role.TECHNICAL) else 403
        assert r.status_code == expected, role
        r = api(users[role]).get("/api/v1/sync/pull")
        assert r.status_code == expected, role
    assert api().post(PUSH, {"ops": []}, format="json").status_code == 401
    # A revoked (inactive) user's token stops working.
    agent = users[Role.AGENT]
    client = api(agent)
    agent.is_active = False
    agent.save()
    assert push(client, []).status_code == 401


@pytest.mark.django_db
def test_office_voids_a_voucher_sold_offline_money_conflict_for_finance(api, field, phone, users):
    agent = field["agent"]
    voucher = field["mine"][0]
    voucher_services.void_voucher(actor=field["admin"], voucher=voucher, reason="lost card")
    results = push(api(agent), [phone.sell(voucher.code)]).json()["results"]
    assert results[0]["outcome"] == "conflict", results
    conflict = Conflict.objects.get()
    assert conflict.kind == "voucher_unavailable" and conflict.amount == 1000
    assert conflict.user == agent and conflict.device_value["code"] == voucher.code
    assert Sale.objects.count() == 0
    # Finance sees it and settles it; the agent sees their own.
    finance = api(users[Role.FINANCE])
    listed = finance.get("/api/v1/sync/conflicts/").json()["results"]
    assert [c["id"] for c in listed] == [str(conflict.pk)]
    r = finance.post(
        f"/api/v1/sync/conflicts/{conflict.pk}/settle/", {"resolution": "cash kept"}, format="json"
    )
    assert r.status_code == 200 and r.json()["resolved_at"]
    assert api(agent).get("/api/v1/sync/conflicts/").json()["results"][0]["resolution"]
    assert api(field["other"]).get("/api/v1/sync/conflicts/").json()["results"] == []


@pytest.mark.django_db
def test_transferred_or_sold_meanwhile_is_a_conflict(api, field, phone):
    agent = field["agent"]
    moved, sold = field["mine"][0], field["mine"][1]
    voucher_services.assign_to_agent(
        actor=field["admin"], agent=field["other"], vouchers=Voucher.objects.filter(pk=moved.pk)
    )
    from erp.sales import services as sale_services

    sale_services.sell(
        seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", code=sold.code
    )
    results = push(api(agent), [phone.sell(moved.code), phone.sell(sold.code)]).json()["results"]
    assert [r["outcome"] for r in results] == ["conflict", "conflict"], results
    assert Conflict.objects.filter(kind="voucher_unavailable").count() == 2
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_client_fields_latest_wins_and_overwritten_value_kept(api, field, phone, make_client):
    agent = field["agent"]
    mine = make_client(site=field["site"], actor=agent, name="Asha", notes="gate 2")
    # The office renames her; the phone, which saw "Asha", edits name and notes offline.
    from erp.clients.services import update_client

    update_client(actor=field["admin"], client=mine, name="Asha M.")
    op = phone.op(
        "update",
        "client",
        {
            "fields": {"name": "Asha Mussa", "notes": "gate 3"},
            "base": {"name": "Asha", "notes": "gate 2"},
        },
        id=mine.pk,
    )
    result = push(api(agent), [op]).json()["results"][0]
    assert result["outcome"] == "conflict" and result["record"]["name"] == "Asha Mussa"
    mine.refresh_from_db()
    assert (mine.name, mine.notes) == ("Asha Mussa", "gate 3")
    conflict = Conflict.objects.get()
    assert (conflict.field, conflict.server_value, conflict.device_value) == (
        "name",
        "Asha M.",
        "Asha Mussa",
    )


@pytest.mark.django_db
def test_same_phone_filed_meanwhile_is_one_client(api, field, phone, make_client):
    agent = field["agent"]
    existing = make_client(site=field["site"], actor=agent, phone="+255754000077", name="Old")
    result = push(api(agent), [phone.add_client("+255754000077", "New")]).json()["results"][0]
    assert result["outcome"] == "conflict" and result["record"]["id"] == str(existing.pk)
    assert Client.objects.filter(phone="+255754000077").count() == 1
    assert Conflict.objects.get().kind == "duplicate_client"


@pytest.mark.django_db
def test_clock_skew_sale_dated_on_arrival_and_flagged(api, field, phone):
    agent = field["agent"]
    good = (timezone.now() - timedelta(days=2)).isoformat()
    wrong = (timezone.now() + timedelta(days=400)).isoformat()
    ops = [
        phone.op(
            "sell",
            "sale",
            {"code": field["mine"][0].code, "payment_method": "cash"},
            client_time=good,
        ),
        phone.op(
            "sell",
            "sale",
            {"code": field["mine"][1].code, "payment_method": "cash"},
            client_time=wrong,
        ),
    ]
    results = push(api(agent), ops).json()["results"]
    assert [r["outcome"] for r in results] == ["applied", "applied"]
    first = Sale.objects.get(voucher=field["mine"][0])
    second = Sale.objects.get(voucher=field["mine"][1])
    assert abs((first.sold_at - (timezone.now() - timedelta(days=2))).total_seconds()) < 60
    assert abs((second.sold_at - timezone.now()).total_seconds()) < 60
    assert results[1]["flags"] == ["clock_skew"] and "flags" not in results[0]
    assert Conflict.objects.get().kind == "clock_skew"


@pytest.mark.django_db
def test_push_is_in_the_openapi_schema(api, admin_user):
    schema = api(admin_user).get("/api/schema/?format=json").json()
    assert "/api/v1/sync/push" in schema["paths"]
    assert "/api/v1/sync/pull" in schema["paths"]


@pytest.mark.django_db
def test_refusals_for_who_the_agent_is_are_rejected_and_recorded(api, field, phone, make_client):
    """A discount without the permission, deleting a client without it: the services refuse
    (NotAllowed); the operation is answered and stored as rejected, nothing else changes."""
    mine = make_client(site=field["site"], actor=field["agent"], name="Keep")
    ops = [
        phone.sell(field["mine"][0].code, discount="100"),
        phone.op("delete", "client", id=mine.pk),
    ]
    before = state()
    results = push(api(field["agent"]), ops).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    assert "You may not give discounts" in results[0]["reason"]
    assert "You may not delete clients" in results[1]["reason"]
    after = state()
    assert after[:3] == before[:3] and after[3] == before[3] + 2
    assert Client.objects.filter(pk=mine.pk).exists()


@pytest.mark.django_db
def test_a_push_spans_several_transactions_each_op_applied_once(api, field, phone, settings):
    """Runs of SYNC_TX_OPS operations per transaction; a refused one in the middle of a run is
    undone alone (its savepoint), the others of the run commit, and a seq sent twice in the
    same push gets the first one's answer."""
    settings.SYNC_TX_OPS = 2
    agent = field["agent"]
    ops = [
        phone.sell(field["mine"][0].code),
        phone.sell(field["theirs"][0].code),  # refused: not in this agent's stock
        phone.add_client("+255754000011", "Neema"),
        phone.sell(field["mine"][1].code),
        phone.sell(field["mine"][2].code, discount="1"),  # an agent may not give discounts
    ]
    results = push(api(agent), [*ops, ops[3]]).json()["results"]
    assert [r["outcome"] for r in results] == [
        "applied",
        "rejected",
        "applied",
        "applied",
        "rejected",
        "applied",
    ], results
    assert results[5] == results[3]
    assert Sale.objects.filter(seller=agent).count() == 2
    assert AppliedOperation.objects.filter(device_id=phone.device_id).count() == 5
    assert Device.objects.get(pk=phone.device_id).last_seq == 5
    before = state()
    assert push(api(agent), ops).json()["results"] == results[:5]
    assert state() == before


@pytest.mark.django_db
def test_an_unexpected_error_keeps_the_operations_before_it(api, field, phone, settings):
    """A server error in the middle of a run (here a handler that fails with a database error)
    commits the operations before it and nothing of it: the device sends the rest again."""
    from django.db import connection

    from erp.sync import services

    def broken(user, record_id, payload):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")

    settings.SYNC_TX_OPS = 10
    agent = field["agent"]
    services.register_handler("client", "delete", broken)
    try:
        ops = [
            phone.sell(field["mine"][0].code),
            phone.add_client("+255754000012", "Baraka"),
            phone.op("delete", "client", id=uuid.uuid4()),
            phone.sell(field["mine"][1].code),
        ]
        with pytest.raises(Exception, match="division by zero"):
            services.push(user=agent, ops=ops)
        assert Device.objects.get(pk=phone.device_id).last_seq == 2
        assert Sale.objects.filter(seller=agent).count() == 1
        assert Client.objects.filter(phone="+255754000012").count() == 1
    finally:
        services.HANDLERS.pop(("client", "delete"), None)
    results = services.push(user=agent, ops=ops)
    assert [r["outcome"] for r in results] == ["applied"] * 4
    assert Sale.objects.filter(seller=agent).count() == 2
