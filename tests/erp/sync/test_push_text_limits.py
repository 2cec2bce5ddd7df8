"""A pushed operation with a text over its field's limit (TEXT_FIELD_MAX_CHARS, the limit of
every API body) is refused alone, with the field named: the operations around it apply, the
refusal is stored (a replay answers the same), and nothing of it is written."""

from __future__ import annotations

import pytest

from erp.clients.models import Client
from erp.sales.models import Sale
from erp.sync.models import AppliedOperation
from erp.vouchers.models import Voucher

PUSH = "/api/v1/sync/push"
NOTE_LIMIT = "The field “notes” is longer than 10000 characters."


def push(api, user, ops):
    r = api(user).post(PUSH, {"ops": ops}, format="json")
    assert r.status_code == 200, r.content[:300]
    return r.json()["results"]


@pytest.mark.django_db
def test_a_long_note_refuses_its_operation_alone_and_the_queue_goes_on(api, field, phone):
    """Given a queue with a client whose notes are a megabyte between two good operations,
    when it is pushed (and pushed again), then only that operation is refused, by name."""
    agent = field["agent"]
    ops = [
        phone.add_client("+255754000031", "Asha"),
        phone.add_client("+255754000032", "Juma", notes="n" * 1_000_000),
        phone.sell(field["mine"][0].code),
    ]
    results = push(api, agent, ops)
    assert [r["outcome"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["reason"] == f"payload.notes: {NOTE_LIMIT}"
    assert not Client.objects.filter(phone="+255754000032").exists()
    assert Sale.objects.count() == 1
    stored = AppliedOperation.objects.get(seq=2)
    assert stored.outcome == "rejected" and len(str(stored.result)) < 500
    assert push(api, agent, ops) == results  # a replay: the same answers, nothing new
    assert Client.objects.count() == 1 and Sale.objects.count() == 1


@pytest.mark.django_db
def test_at_the_limit_is_kept(api, field, phone):
    [result] = push(api, field["agent"], [phone.add_client("+255754000033", notes="n" * 10_000)])
    assert result["outcome"] == "applied"
    assert len(Client.objects.get().notes) == 10_000


@pytest.mark.django_db
def test_a_long_text_deep_in_an_edit_or_a_sale_is_named_and_nothing_half_applied(api, field, phone):
    agent = field["agent"]
    create = phone.add_client("+255754000034", "Asha")
    edit = phone.op(
        "update", "client", {"fields": {"name": "A", "notes": "x" * 10_001}}, id=create["id"]
    )
    code = field["mine"][1].code
    # a 3 MB body: over Django's default upload limit, under the push's own (SYNC_MAX_BODY_BYTES)
    sale = phone.sell(code, payment_method="mobile", payment_reference="R" * 3_000_000)
    results = push(api, agent, [create, edit, sale])
    assert [r["outcome"] for r in results] == ["applied", "rejected", "rejected"]
    assert results[1]["reason"] == f"payload.fields.notes: {NOTE_LIMIT}"
    assert results[2]["reason"] == (
        "payload.payment_reference: The field “payment_reference” is longer than 10000 characters."
    )
    assert Client.objects.get().name == "Asha"  # the edit's name was not applied either
    assert Voucher.objects.get(code=code).status == "unused" and not Sale.objects.exists()


@pytest.mark.django_db
def test_a_huge_field_name_or_id_is_refused_per_operation(api, field, phone):
    agent = field["agent"]
    ops = [
        phone.op("create", "client", {"k" * 200_000: "x"}),
        phone.op("create", "client", {"phone": "+255754000035"}, id="i" * 20_000),
        phone.add_client("+255754000036"),
    ]
    results = push(api, agent, ops)
    assert [r["outcome"] for r in results] == ["rejected", "rejected", "applied"]
    assert results[0]["reason"] == "payload: a field name is longer than 100 characters."
    assert results[1]["reason"] == "id: The field “id” is longer than 10000 characters."
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_a_photo_keeps_its_own_larger_limit(api, field, phone, settings):
    """The photo of a fault report is checked as an image by its operation (its text limit is
    the push body's), so it is not refused here as a long text."""
    from erp.core.parsers import first_too_long

    photo = "data:image/jpeg;base64," + "A" * 2_000_000
    assert first_too_long({"payload": {"photo": photo}}) is None
    assert first_too_long({"payload": {"description": photo}}) == (
        "payload.description: The field “description” is longer than 10000 characters."
    )


@pytest.mark.django_db
def test_other_api_bodies_are_still_refused_whole(api, admin_user, make_site):
    site = make_site()
    r = api(admin_user).post(
        "/api/v1/clients/",
        {"site": str(site.pk), "phone": "0754111222", "notes": "n" * 10_001},
        format="json",
    )
    assert r.status_code == 400 and r.json() == {"notes": [NOTE_LIMIT]}
