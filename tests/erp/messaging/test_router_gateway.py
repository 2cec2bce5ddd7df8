"""The router's LTE modem over the RouterOS API (the simulator, real TCP): /tool/sms/send
with port, phone-number, message; GSM-7 and at most 160 characters only, refused otherwise
with a reason; a router that is down is retried; one in flight when a worker died is failed,
never sent twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erp.messaging import pump, services
from erp.messaging.choices import GatewayKind, MessageState
from erp.messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def lte(sim_router):
    router, simulated = sim_router()
    gateway = services.create_gateway(
        name="Router LTE", kind=GatewayKind.ROUTER, router=router, port="lte1", is_default=True
    )
    return gateway, simulated


def _outbox(simulator, simulated):
    return simulator.call(lambda: [dict(m) for m in simulated.state.sms_outbox])


def test_a_short_gsm7_message_goes_out_through_tool_sms_send(lte, simulator):
    gateway, simulated = lte
    message = services.queue_message(phone="0712 345 678", text="Msimbo wako: ABCD-2345")
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.sent_at is not None
    assert _outbox(simulator, simulated) == [
        {"port": "lte1", "phone-number": "+255712345678", "message": "Msimbo wako: ABCD-2345"}
    ]


@pytest.mark.parametrize(
    ("text", "reason"), [("a" * 161, "at most 160"), ("Habari 😀", "GSM-7 text only")]
)
def test_long_or_unicode_text_is_refused_with_a_reason(lte, simulator, text, reason):
    gateway, simulated = lte
    with pytest.raises(ValidationError, match=reason):
        services.queue_message(phone="+255712345678", text=text)
    assert Message.objects.count() == 0 and _outbox(simulator, simulated) == []


def test_a_router_that_is_down_is_retried(lte, simulator, settings):
    gateway, simulated = lte
    settings.ROUTER_TIMEOUT = 1
    simulator.stop_router(gateway.router.name)
    message = services.queue_message(phone="+255712345678", text="hello")
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED and message.attempts == 1 and message.reason
    assert gateway.router.get_password() not in message.reason


def test_in_flight_when_the_worker_died_is_failed_not_resent(lte, simulator):
    gateway, simulated = lte
    message = services.queue_message(phone="+255712345678", text="hello")
    Message.objects.filter(pk=message.pk).update(state=MessageState.SENDING, attempts=1)
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and "not sent again" in message.reason
    assert _outbox(simulator, simulated) == []


def _inbox(simulator, simulated):
    return simulator.call(lambda: [dict(m) for m in simulated.state.sms_inbox.items])


def test_the_routers_inbox_is_read_stop_withdraws_and_a_question_opens_a_ticket(
    lte, simulator, make_client, django_capture_on_commit_callbacks
):
    """/tool/sms/inbox over the RouterOS API: each SMS logged and removed from the router; ACHA
    withdraws consent, any other text goes to support as a ticket (messaging.sms_received)."""
    from erp.messaging.models import InboundMessage
    from erp.support.models import Ticket

    gateway, simulated = lte
    client = make_client(phone="+255712345678", marketing_consent=True)
    simulator.call(lambda: simulated.state.receive_sms("+255712345678", "ACHA"))
    simulator.call(lambda: simulated.state.receive_sms("+255712345679", "Internet haifanyi kazi"))
    assert len(_inbox(simulator, simulated)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.read_modem_inboxes() == 2
    client.refresh_from_db()
    assert client.marketing_consent is False
    inbound = InboundMessage.objects.filter(gateway=gateway)
    assert set(inbound.values_list("text", flat=True)) == {"ACHA", "Internet haifanyi kazi"}
    question = inbound.get(phone="+255712345679")
    assert Ticket.objects.filter(
        messages__external_ref=f"sms:{question.pk}", phone="+255712345679"
    ).exists()
    assert _inbox(simulator, simulated) == []  # read, then removed from the router
    assert services.read_modem_inboxes() == 0
    assert InboundMessage.objects.count() == 2


def test_a_router_that_is_down_keeps_its_inbox_for_the_next_read(lte, simulator, settings):
    from erp.messaging.models import InboundMessage

    gateway, simulated = lte
    settings.ROUTER_TIMEOUT = 1
    simulator.call(lambda: simulated.state.receive_sms("+255712345679", "hello"))
    simulator.stop_router(gateway.router.name)
    assert services.read_modem_inboxes() == 0  # logged, not raised
    assert not InboundMessage.objects.exists()
    assert len(_inbox(simulator, simulated)) == 1


def test_inbox_time_stamps_are_the_routers_in_either_routeros_format(lte, simulator):
    from datetime import datetime

    from django.utils import timezone

    from erp.messaging.models import InboundMessage

    gateway, simulated = lte
    simulator.call(
        lambda: simulated.state.receive_sms("+255712345678", "v7", "2026-11-26 09:41:05")
    )
    simulator.call(
        lambda: simulated.state.receive_sms("+255712345679", "v6", "nov/25/2026 21:05:00")
    )
    assert services.read_modem_inboxes() == 2
    local = timezone.get_current_timezone()
    stamps = dict(InboundMessage.objects.values_list("text", "received_at"))
    assert stamps["v7"] == datetime(2026, 11, 26, 9, 41, 5, tzinfo=local)
    assert stamps["v6"] == datetime(2026, 11, 25, 21, 5, tzinfo=local)


def test_a_crash_between_logging_and_deleting_loses_nothing_and_logs_once(lte, simulator):
    """The text is deleted from the router only once logged; read again after a crash (the
    process died before the delete), it is recognised and only deleted."""
    from erp.messaging.gateways.router import RouterGateway
    from erp.messaging.models import InboundMessage, InboxReceipt

    gateway, simulated = lte

    class DiesBeforeDeleting(RouterGateway):
        def delete(self, refs):
            raise SystemExit("worker killed")

    simulator.call(lambda: simulated.state.receive_sms("+255712345679", "Habari, msaada"))
    with pytest.raises(SystemExit):
        services.read_inbox(gateway, adapter=DiesBeforeDeleting.for_gateway(gateway))
    assert InboundMessage.objects.filter(text="Habari, msaada").count() == 1
    assert len(_inbox(simulator, simulated)) == 1  # still on the router: nothing lost
    assert services.read_modem_inboxes() == 0  # recognised: not logged a second time
    assert _inbox(simulator, simulated) == []
    assert InboundMessage.objects.filter(text="Habari, msaada").count() == 1
    assert InboxReceipt.objects.filter(gateway=gateway).count() == 1
