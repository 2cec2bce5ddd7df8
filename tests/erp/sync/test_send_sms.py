"""send_sms pushed by the field app: a sale's receipt SMS through the SMS app's own receipt
path (template, reader's language), queued for the gateway or logged as sent by the phone,
once per sale however often it is asked; bad input is refused per operation."""

from __future__ import annotations

import uuid

import pytest

from erp.messaging.choices import MessageState
from erp.messaging.models import Message
from erp.sales.models import Sale
from erp.sync.models import AppliedOperation
from tests.erp.messaging.conftest import gateway, phone_sim  # noqa: F401 - fixtures

from .conftest import Phone

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


def push(api, user, ops):
    r = api(user).post(PUSH, {"ops": ops}, format="json")
    assert r.status_code == 200, r.content
    return r.json()["results"]


def send_sms(device: Phone, sale_op: dict, **payload):
    return device.op("send_sms", "sale", payload, id=sale_op["id"])


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_a_receipt_queued_from_the_app_goes_once_in_the_clients_language(
    api, field, phone, django_capture_on_commit_callbacks
):
    """Given a sale to a new client pushed with its send_sms, when the push is applied and
    replayed and send_sms asked again, then one message: the template, Swahili, the code."""
    agent = field["agent"]
    code = field["mine"][0].code
    sale_op = phone.sell(code, client_phone="+255754000010", client_name="Asha")
    ops = [sale_op, send_sms(phone, sale_op)]
    with django_capture_on_commit_callbacks(execute=True):  # the sale's event runs too
        results = push(api, agent, ops)
    assert [r["outcome"] for r in results] == ["applied", "applied"], results
    message = Message.objects.get()
    sale = Sale.objects.get(idempotency_key=sale_op["id"])
    assert message.source == f"sale:{sale.pk}" and message.phone == "+255754000010"
    assert code in message.text and "Asante Asha" in message.text  # the client's language
    assert message.template.code == "sale-receipt" and message.queued_by == agent
    assert results[1]["record"]["sms"]["id"] == str(message.pk)
    # the answer was lost: the same operations again, then another send_sms for the sale
    assert push(api, agent, ops) == results
    [again] = push(api, agent, [send_sms(phone, sale_op, phone="+255754000099")])
    assert again["outcome"] == "applied" and again["flags"] == ["already_queued"]
    assert "+255754000010" in again["reason"]
    assert Message.objects.count() == 1


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_sent_by_the_phone_is_logged_and_the_sales_receipt_is_not_sent_again(
    api, field, phone, django_capture_on_commit_callbacks
):
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000011")
    sms = send_sms(phone, sale_op, via="phone", text="Code ABC")
    with django_capture_on_commit_callbacks(execute=True):
        results = push(api, field["agent"], [sale_op, sms])
    assert results[1]["outcome"] == "applied", results
    message = Message.objects.get()
    assert (message.state, message.text, message.template) == (MessageState.SENT, "Code ABC", None)
    assert results[1]["record"]["sms"]["state"] == "sent"


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_a_sale_without_a_client_needs_a_number_then_reads_in_the_sites_language(api, field, phone):
    sale_op = phone.sell(field["mine"][0].code)
    [sold, no_number] = push(api, field["agent"], [sale_op, send_sms(phone, sale_op)])
    assert sold["outcome"] == "applied"
    assert no_number["outcome"] == "rejected"
    assert no_number["reason"] == "phone: Give the number to send the receipt to."
    [sent] = push(api, field["agent"], [send_sms(phone, sale_op, phone="0754 000 012")])
    assert sent["outcome"] == "applied", sent
    message = Message.objects.get()
    assert message.phone == "+255754000012" and message.client is None
    assert field["mine"][0].code in message.text


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"phone": "12"}, "phone: "),
        ({"phone": "+255222110000"}, "is not a mobile number"),
        ({"via": "pigeon"}, "via: gateway or phone."),
        ({"via": "phone"}, "text: the text the phone sent."),
        ({"phone": 255754000013}, "phone and text are text."),
        ({"body": "x"}, "Unknown SMS fields: body."),
    ],
)
def test_bad_input_is_refused_per_operation_and_nothing_queued(api, field, phone, payload, reason):
    sale_op = phone.sell(field["mine"][0].code)
    [_sold, refused] = push(api, field["agent"], [sale_op, send_sms(phone, sale_op, **payload)])
    assert refused["outcome"] == "rejected" and reason in refused["reason"], refused
    assert not Message.objects.exists()
    assert AppliedOperation.objects.get(seq=2).outcome == "rejected"


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_an_unknown_sale_or_another_agents_sale_is_refused(api, field):
    theirs = Phone()
    their_sale = theirs.sell(field["theirs"][0].code, client_phone="+255754000014")
    push(api, field["other"], [their_sale])
    mine = Phone()
    results = push(
        api,
        field["agent"],
        [
            mine.op("send_sms", "sale", {}, id=their_sale["id"]),
            mine.op("send_sms", "sale", {}, id=str(uuid.uuid4())),
        ],
    )
    for result in results:
        assert result["outcome"] == "rejected"
        assert result["reason"].startswith("No sale of yours with this id")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_without_a_gateway_a_queued_receipt_is_refused_with_the_reason(api, field, phone):
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000015")
    [_sold, refused, by_phone] = push(
        api,
        field["agent"],
        [
            sale_op,
            send_sms(phone, sale_op),
            send_sms(phone, sale_op, via="phone", text="Code"),
        ],
    )
    assert refused["outcome"] == "rejected" and "No SMS gateway" in refused["reason"]
    assert by_phone["outcome"] == "applied" and by_phone["record"]["sms"]["state"] == "sent"
    assert not Message.objects.exists()


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_the_next_pull_tells_the_phone_how_far_the_sms_got(api, field, phone):
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000016")
    push(api, field["agent"], [sale_op, send_sms(phone, sale_op)])
    Message.objects.update(state=MessageState.FAILED)
    page = api(field["agent"]).get(PULL).json()
    while page["more"]:
        page = api(field["agent"]).get(PULL, {"cursor": page["cursor"]}).json()
    sms = page["summary"]["sms"][sale_op["id"]]
    assert sms["state"] == "failed" and sms["phone"] == "+255754000016"
    # another agent's pull never carries it
    other = api(field["other"]).get(PULL).json()
    while other["more"]:
        other = api(field["other"]).get(PULL, {"cursor": other["cursor"]}).json()
    assert other["summary"]["sms"] == {}


def _pulled_sms(api, user, sale_op):
    page = api(user).get(PULL).json()
    while page["more"]:
        page = api(user).get(PULL, {"cursor": page["cursor"]}).json()
    return page["summary"]["sms"][sale_op["id"]]


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_a_failed_receipt_is_sent_again_from_the_app_and_the_app_follows_the_new_one(
    api, field, phone
):
    """Given a receipt SMS that failed at the gateway, when the agent asks again from the app
    (again: true), then a new message goes out (to the corrected number), the failed one stays
    in the log, and the next pull shows the new one's state; asked again while it is queued,
    nothing more is sent."""
    agent = field["agent"]
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000020")
    push(api, agent, [sale_op, send_sms(phone, sale_op)])
    failed = Message.objects.get()
    Message.objects.update(state=MessageState.FAILED)
    assert _pulled_sms(api, agent, sale_op)["state"] == "failed"

    [again] = push(api, agent, [send_sms(phone, sale_op, again=True, phone="0754 000 021")])
    assert again["outcome"] == "applied" and not again.get("flags"), again
    new = Message.objects.exclude(pk=failed.pk).get()
    sale = Sale.objects.get(idempotency_key=sale_op["id"])
    assert new.source == f"sale:{sale.pk}" and new.state == MessageState.QUEUED
    assert new.phone == "+255754000021" and new.text == failed.text
    failed.refresh_from_db()
    assert failed.state == MessageState.FAILED and failed.source.startswith("resent:sale:")
    assert again["record"]["sms"] == {
        **again["record"]["sms"],
        "id": str(new.pk),
        "state": "queued",
    }
    assert _pulled_sms(api, agent, sale_op) == {
        "id": str(new.pk),
        "phone": "+255754000021",
        "state": "queued",
        "sent_at": None,
    }
    # asked again (a double tap, or the answer lost and the op re-filed): not a third message
    [twice] = push(api, agent, [send_sms(phone, sale_op, again=True)])
    assert twice["flags"] == ["already_queued"] and Message.objects.count() == 2


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_a_failed_receipt_sent_again_by_the_phone_is_logged_as_sent(api, field, phone):
    agent = field["agent"]
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000022")
    push(api, agent, [sale_op, send_sms(phone, sale_op)])
    Message.objects.update(state=MessageState.EXPIRED)
    [again] = push(api, agent, [send_sms(phone, sale_op, again=True, via="phone", text="Code XYZ")])
    assert again["outcome"] == "applied" and again["record"]["sms"]["state"] == "sent"
    assert _pulled_sms(api, agent, sale_op)["state"] == "sent"
    sent = Message.objects.get(state=MessageState.SENT)
    assert sent.text == "Code XYZ" and sent.phone == "+255754000022"
    assert Message.objects.filter(state=MessageState.EXPIRED).count() == 1


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_without_again_a_failed_receipt_is_not_sent_twice_and_again_must_be_a_boolean(
    api, field, phone
):
    agent = field["agent"]
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000023")
    push(api, agent, [sale_op, send_sms(phone, sale_op)])
    Message.objects.update(state=MessageState.FAILED)
    [plain, wrong] = push(
        api, agent, [send_sms(phone, sale_op), send_sms(phone, sale_op, again="yes")]
    )
    assert plain["flags"] == ["already_queued"]
    assert wrong["outcome"] == "rejected" and wrong["reason"] == "again is true or false."
    assert Message.objects.count() == 1


@pytest.mark.usefixtures("gateway")
@pytest.mark.django_db
def test_the_offices_resend_of_a_failed_receipt_reaches_the_app(api, field, phone, users):
    from erp.accounts.roles import Role
    from erp.messaging import services as sms_services

    agent = field["agent"]
    sale_op = phone.sell(field["mine"][0].code, client_phone="+255754000024")
    push(api, agent, [sale_op, send_sms(phone, sale_op)])
    Message.objects.update(state=MessageState.FAILED)
    new = sms_services.resend(message=Message.objects.get(), actor=users[Role.MARKETING])
    assert _pulled_sms(api, agent, sale_op)["id"] == str(new.pk)
