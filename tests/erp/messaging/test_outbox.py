"""The outbox against the Android gateway simulator over real HTTP: queue, send once,
retries, faults, state history, the part throttle."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError

from erp.messaging import pump, services
from erp.messaging.choices import MessageKind, MessageState
from erp.messaging.gateways.android import AndroidGateway
from erp.messaging.models import Message
from erp.messaging.throttle import RedisThrottle, redis_client

pytestmark = pytest.mark.django_db


def _states(message):
    return list(message.events.order_by("id").values_list("state", flat=True))


def test_a_queued_message_is_sent_once_with_our_id(gateway, phone_sim):
    message = services.queue_message(phone="0712 345 678", text="Karibu – code ABC")
    assert message.state == MessageState.QUEUED
    assert message.phone == "+255712345678"
    assert message.text == "Karibu - code ABC"  # normalised: GSM-7
    assert message.encoding == "GSM-7" and message.parts == 1
    assert pump.pump(gateway.pk) is None
    message.refresh_from_db()
    assert message.state in (MessageState.SENDING, MessageState.SENT)
    assert message.accepted_at is not None and message.attempts == 1
    assert phone_sim.sent_ids() == {str(message.pk): 1}
    assert phone_sim.messages[str(message.pk)]["text"] == "Karibu - code ABC"
    assert _states(message)[:2] == ["queued", "sending"]
    # a second pump sends nothing again
    pump.pump(gateway.pk)
    assert phone_sim.posts[str(message.pk)] == 1


def test_a_worker_killed_after_the_gateway_accepted_does_not_send_twice(gateway, phone_sim):
    """The message was POSTed and accepted, then the worker died before recording it: the
    next pump asks the gateway (GET) and finds it, and never POSTs it again."""
    message = services.queue_message(phone="+255712345678", text="hello")
    AndroidGateway.for_gateway(gateway).send(
        message_id=str(message.pk), phone=message.phone, text=message.text, ttl_seconds=None
    )
    Message.objects.filter(pk=message.pk).update(state=MessageState.SENDING, attempts=1)
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.accepted_at is not None
    assert phone_sim.sent_ids() == {str(message.pk): 1}
    assert phone_sim.posts[str(message.pk)] == 1


def test_a_duplicate_id_answers_409_and_counts_as_accepted(gateway, phone_sim):
    adapter = AndroidGateway.for_gateway(gateway)
    first = adapter.send(message_id="m-1", phone="+255712345678", text="x", ttl_seconds=60)
    again = adapter.send(message_id="m-1", phone="+255712345678", text="x", ttl_seconds=60)
    assert not first.duplicate and again.duplicate
    assert phone_sim.sent_ids() == {"m-1": 1}


def test_a_gateway_answering_500_is_retried_later_with_the_same_id(gateway, phone_sim):
    message = services.queue_message(phone="+255712345678", text="hello")
    phone_sim.fail_next = [500]
    wait = pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and message.attempts == 1
    assert wait == 10 and "500" in message.reason
    assert phone_sim.sent_ids() == {}
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.attempts == 2 and message.accepted_at is not None
    assert phone_sim.sent_ids() == {str(message.pk): 1}
    assert _states(message)[:4] == ["queued", "sending", "queued", "sending"]


def test_a_gateway_that_times_out_or_is_down_is_retried_then_given_up(
    gateway, phone_sim, settings, caplog
):
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    settings.SMS_MAX_ATTEMPTS = 2
    message = services.queue_message(phone="+255712345678", text="hello")
    phone_sim.delay = 1.0
    with caplog.at_level(logging.DEBUG):
        pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and "did not answer" in message.reason
    phone_sim.delay = 0
    phone_sim.stop()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert "cannot be reached" in message.reason and "2 tries" in message.reason
    # no secret anywhere
    for text in (message.reason, caplog.text, *message.events.values_list("note", flat=True)):
        assert phone_sim.password not in text and phone_sim.signing_key not in text


def test_a_wrong_password_fails_the_message_without_showing_it(gateway, phone_sim):
    gateway.set_password("wrong-secret-123")
    gateway.save()
    message = services.queue_message(phone="+255712345678", text="hello")
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert "user name or password" in message.reason
    assert "wrong-secret-123" not in message.reason


def test_the_gateway_password_and_key_are_stored_encrypted(gateway, phone_sim):
    row = Message.objects.none().model._meta.apps.get_model("messaging", "Gateway").objects.get()
    assert phone_sim.password not in row.password_encrypted
    assert phone_sim.signing_key not in row.webhook_key_encrypted
    assert row.get_password() == phone_sim.password
    assert not hasattr(row.history.model, "password_encrypted")


def test_a_message_past_its_ttl_expires_unsent(gateway, phone_sim):
    from datetime import timedelta

    from django.utils import timezone

    message = services.queue_message(phone="+255712345678", text="hello")
    Message.objects.filter(pk=message.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.EXPIRED
    assert phone_sim.sent_ids() == {}


@pytest.mark.parametrize(
    ("phone", "text", "field"),
    [
        ("+255 22 211 1234", "hello", "phone"),
        ("not a number", "hello", "phone"),
        ("+255712345678", "   ", "text"),
        ("+255712345678", "x" * 2000, "text"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(gateway, phone, text, field):
    with pytest.raises(ValidationError) as exc:
        services.queue_message(phone=phone, text=text)
    assert field in exc.value.message_dict
    assert Message.objects.count() == 0


def test_marketing_needs_consent(gateway, make_client):
    client = make_client(marketing_consent=False)
    with pytest.raises(ValidationError, match="not agreed"):
        services.queue_message(
            phone=client.phone, text="offer", kind=MessageKind.MARKETING, client=client
        )
    assert Message.objects.count() == 0


def test_a_source_queues_once(gateway):
    a = services.queue_message(phone="+255712345678", text="a", source="sale:1")
    b = services.queue_message(phone="+255712345678", text="a", source="sale:1")
    assert a.pk == b.pk and Message.objects.count() == 1


def test_a_message_sent_by_the_phone_offline_is_logged_and_never_sent(gateway, phone_sim):
    message = services.queue_message(phone="+255712345678", text="hi", already_sent=True)
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert phone_sim.posts == {}


def test_no_gateway_is_a_clear_error(db):
    with pytest.raises(ValidationError, match="No SMS gateway"):
        services.queue_message(phone="+255712345678", text="hi")


def test_the_throttle_holds_30_parts_a_minute_over_five_simulated_minutes():
    """A fake clock: 5 minutes of a pump asking as fast as it may for 1- to 3-part
    messages; in every 60 s window at most 30 parts, and the pace stays at the limit."""
    now = [1_000_000.0]
    limiter = RedisThrottle("test-5min", client=redis_client(), limit=30, clock=lambda: now[0])
    limiter.client.delete(limiter.key)
    admitted: list[tuple[float, int]] = []
    i = 0
    while now[0] < 1_000_000.0 + 300:
        parts = 1 + i % 3
        wait = limiter.acquire(parts, f"m{i}")
        if wait:
            now[0] += wait
            continue
        admitted.append((now[0], parts))
        i += 1
    for t, _p in admitted:
        in_window = sum(p for u, p in admitted if t - 60 < u <= t)
        assert in_window <= 30
    total = sum(p for _t, p in admitted)
    assert 30 * 5 * 0.9 <= total <= 30 * 5 + 30  # at the limit: a minute's burst + 30/min
