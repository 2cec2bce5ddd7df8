"""The signed webhook: valid, bad signature, old timestamp, replay; one sms:delivered per
part; sms:failed; STOP/ACHA from an inbound SMS. And the whole loop over real HTTP: the
simulator calls our live server."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from erp.messaging import pump, services
from erp.messaging.choices import MessageState
from erp.messaging.models import InboundMessage, Message, WebhookReceipt


def _post(client, gateway, sim, envelope, *, timestamp=None, signature=None):
    body = json.dumps(envelope).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    return client.post(
        reverse("messaging:webhook", kwargs={"gateway_id": gateway.pk}),
        data=body,
        content_type="application/json",
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=signature or sim.sign(body, timestamp),
    )


@pytest.fixture
def sent(gateway, phone_sim):
    """A 2-part message the phone has accepted."""
    message = services.queue_message(phone="+255712345678", text="a" * 200)
    assert message.parts == 2
    pump.pump(gateway.pk)
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_sent_then_one_delivered_per_part(client, gateway, phone_sim, sent):
    mid = str(sent.pk)
    r = _post(client, gateway, phone_sim, phone_sim.envelope("sms:sent", {"messageId": mid}))
    assert r.status_code == 200
    sent.refresh_from_db()
    assert sent.state == MessageState.SENT
    _post(client, gateway, phone_sim, phone_sim.envelope("sms:delivered", {"messageId": mid}))
    sent.refresh_from_db()
    assert sent.state == MessageState.SENT and sent.delivered_parts == 1
    _post(client, gateway, phone_sim, phone_sim.envelope("sms:delivered", {"messageId": mid}))
    sent.refresh_from_db()
    assert sent.state == MessageState.DELIVERED and sent.delivered_at is not None
    states = list(sent.events.values_list("state", flat=True))
    assert states == ["queued", "sending", "sent", "delivered"]


@pytest.mark.django_db
def test_a_replayed_envelope_is_applied_once(client, gateway, phone_sim, sent):
    envelope = phone_sim.envelope("sms:delivered", {"messageId": str(sent.pk)})
    assert _post(client, gateway, phone_sim, envelope).json() == {"result": "sms:delivered"}
    assert _post(client, gateway, phone_sim, envelope).json() == {"result": "duplicate"}
    sent.refresh_from_db()
    assert sent.delivered_parts == 1 and sent.state != MessageState.DELIVERED


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_changes_nothing(client, gateway, phone_sim, sent):
    envelope = phone_sim.envelope("sms:failed", {"messageId": str(sent.pk), "reason": "x"})
    r = _post(client, gateway, phone_sim, envelope, signature="0" * 64)
    assert r.status_code == 401
    assert phone_sim.signing_key not in r.content.decode()
    sent.refresh_from_db()
    assert sent.state != MessageState.FAILED and not WebhookReceipt.objects.exists()


@pytest.mark.django_db
def test_a_body_signed_with_another_key_is_refused(client, gateway, phone_sim, sent):
    body = json.dumps(phone_sim.envelope("sms:sent", {"messageId": str(sent.pk)})).encode()
    ts = str(int(time.time()))
    phone_sim.signing_key = "forged"
    r = _post(client, gateway, phone_sim, json.loads(body), timestamp=ts)
    assert r.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_five_minutes_is_refused(client, gateway, phone_sim, sent, offset):
    envelope = phone_sim.envelope("sms:sent", {"messageId": str(sent.pk)})
    r = _post(client, gateway, phone_sim, envelope, timestamp=str(int(time.time()) + offset))
    assert r.status_code == 401
    sent.refresh_from_db()
    assert sent.state != MessageState.SENT


@pytest.mark.django_db
def test_failed_keeps_the_gateways_reason(client, gateway, phone_sim, sent):
    envelope = phone_sim.envelope(
        "sms:failed", {"messageId": str(sent.pk), "reason": "RESULT_ERROR_NO_SERVICE"}
    )
    _post(client, gateway, phone_sim, envelope)
    sent.refresh_from_db()
    assert sent.state == MessageState.FAILED and sent.reason == "RESULT_ERROR_NO_SERVICE"


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["STOP", "acha", "Acha."])
def test_stop_or_acha_withdraws_marketing_consent(client, gateway, phone_sim, make_client, word):
    buyer = make_client(phone="+255712345678", marketing_consent=True)
    other = make_client(phone="+255712345679", marketing_consent=True)
    envelope = phone_sim.envelope("sms:received", {"message": word, "phoneNumber": "+255712345678"})
    assert _post(client, gateway, phone_sim, envelope).json() == {"result": "opt-out"}
    buyer.refresh_from_db()
    other.refresh_from_db()
    assert buyer.marketing_consent is False and other.marketing_consent is True
    inbound = InboundMessage.objects.get()
    assert "withdrawn" in inbound.action
    assert buyer.history.first().history_change_reason.startswith("SMS")


@pytest.mark.django_db(transaction=True)
def test_the_phone_calls_back_over_http(live_server, gateway, phone_sim, make_client):
    """Registered through POST /webhooks; the simulator sends, then reports sent and one
    delivered per part to our live server, signed; an inbound STOP opts out."""
    services.register_webhooks(gateway, base_url=live_server.url)
    assert {h["event"] for h in phone_sim.webhooks.values()} == {
        "sms:sent",
        "sms:delivered",
        "sms:failed",
        "sms:received",
    }
    message = services.queue_message(phone="+255712345678", text="ж" * 80)  # UCS-2, 2 parts
    assert (message.encoding, message.parts) == ("UCS-2", 2)
    pump.pump(gateway.pk)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.state == MessageState.DELIVERED:
            break
        time.sleep(0.05)
    assert message.state == MessageState.DELIVERED and message.delivered_parts == 2
    assert all(entry["status"] == 200 for entry in phone_sim.webhook_log)
    buyer = make_client(phone="+255712345678", marketing_consent=True)
    phone_sim.receive("+255712345678", "STOP")
    buyer.refresh_from_db()
    assert buyer.marketing_consent is False
    assert Message.objects.count() == 1
