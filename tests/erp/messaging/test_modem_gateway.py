"""The USB GSM modem against a fake modem on a pseudo-terminal (pyserial over a real pty):
PDU mode, GSM-7 and UCS-2, concatenated parts with a UDH, status reports requested, +CMS
ERROR mapped to reasons, a modem that stops answering."""

from __future__ import annotations

import pytest

from erp.messaging import pdu, pump, services
from erp.messaging.choices import GatewayKind, MessageState
from erp.messaging.gateways import Rejected, Unavailable
from erp.messaging.gateways.modem import ModemGateway
from erp.messaging.simulator.modem import FakeModem


@pytest.fixture
def modem():
    fake = FakeModem().start()
    yield fake
    fake.stop()


def test_the_pdu_of_a_known_case():
    # "hellohello" in GSM-7 packs to E8329BFD4697D9EC37 (the classic example)
    [(hex_pdu, length)] = pdu.submit_pdus("+255712345678", "hellohello", reference=1)
    assert hex_pdu.endswith("0A" + "E8329BFD4697D9EC37") and length == len(hex_pdu) // 2 - 1
    decoded = pdu.decode_submit(hex_pdu)
    assert (decoded.phone, decoded.text, decoded.report) == ("+255712345678", "hellohello", True)


@pytest.mark.parametrize(
    ("text", "parts"),
    [("Asante kwa kununua. €5", 1), ("a" * 200 + "[€]", 2), ("Habari 😀 yako " * 12, 3)],
)
def test_texts_go_out_whole_in_pdu_mode_with_a_udh_when_long(modem, text, parts):
    gateway = ModemGateway(modem.device, timeout=3)
    result = gateway.send(
        message_id="ab000000-0000-0000-0000-000000000000",
        phone="+255712345678",
        text=text,
        ttl_seconds=None,
    )
    assert result.sent and len(result.reference.split(",")) == parts
    assert modem.messages() == [text]
    assert [p.total for p in modem.received] == [parts] * parts
    assert all(p.report for p in modem.received)
    assert "AT+CMGF=0" in modem.commands


@pytest.mark.parametrize(
    ("code", "error", "reason"),
    [
        (310, Unavailable, "no SIM card"),
        (21, Rejected, "no credit"),
        (330, Rejected, "SMS centre"),
    ],
)
def test_cms_errors_become_reasons(modem, code, error, reason):
    modem.cms_error = code
    with pytest.raises(error, match=reason):
        ModemGateway(modem.device, timeout=3).send(
            message_id="ab000000-0000-0000-0000-000000000000",
            phone="+255712345678",
            text="hi",
            ttl_seconds=None,
        )
    assert modem.received == []


def test_a_modem_that_stops_answering_is_unavailable(modem):
    modem.silent = True
    with pytest.raises(Unavailable, match="does not answer"):
        ModemGateway(modem.device, timeout=0.5).send(
            message_id="ab000000-0000-0000-0000-000000000000",
            phone="+255712345678",
            text="hi",
            ttl_seconds=None,
        )


@pytest.mark.django_db
def test_the_pump_sends_through_the_modem_and_backs_off_without_a_sim(modem):
    gateway = services.create_gateway(
        name="Modem", kind=GatewayKind.MODEM, base_url=modem.device, is_default=True
    )
    ok = services.queue_message(phone="+255712345678", text="Msimbo: ABCD-2345")
    pump.pump(gateway.pk)
    ok.refresh_from_db()
    assert ok.state == MessageState.SENT and modem.messages() == ["Msimbo: ABCD-2345"]
    modem.cms_error = 310
    later = services.queue_message(phone="+255712345678", text="second")
    pump.pump(gateway.pk)
    later.refresh_from_db()
    assert (
        later.state == MessageState.QUEUED and later.reason == "There is no SIM card in the modem."
    )


@pytest.mark.django_db
def test_an_inbound_acha_on_the_modem_withdraws_consent_and_is_deleted(modem, make_client):
    from erp.messaging.models import InboundMessage

    services.create_gateway(name="Modem", kind=GatewayKind.MODEM, base_url=modem.device)
    client = make_client(phone="+255712345678", marketing_consent=True)
    modem.receive("+255712345678", "Acha")
    modem.receive("+255712345679", "Habari 😀")
    assert services.read_modem_inboxes() == 2
    client.refresh_from_db()
    assert client.marketing_consent is False
    assert set(InboundMessage.objects.values_list("text", flat=True)) == {"Acha", "Habari 😀"}
    assert modem.inbox == {}  # read, then deleted from the SIM
    assert services.read_modem_inboxes() == 0


@pytest.mark.django_db
def test_delivery_reports_on_the_sim_mark_the_message_delivered_part_by_part(modem):
    """The +CMGS references are kept; the modem's stored status reports (+CDSI, listed by
    AT+CMGL) are matched by them: delivered once every part is, failed on a permanent error."""
    from erp.messaging import pdu
    from erp.messaging.models import Message

    gateway = services.create_gateway(
        name="Modem", kind=GatewayKind.MODEM, base_url=modem.device, is_default=True
    )
    long = services.queue_message(phone="+255712345678", text="x" * 200)  # 2 parts
    other = services.queue_message(phone="+255712345679", text="short")
    pump.pump(gateway.pk)
    long.refresh_from_db()
    other.refresh_from_db()
    refs = long.gateway_reference.split(",")
    assert long.state == MessageState.SENT and len(refs) == 2 and other.gateway_reference

    report = pdu.decode_status_report(pdu.status_report_pdu(int(refs[0]), "+255712345678"))
    assert report.reference == int(refs[0]) and report.phone == "+255712345678"

    modem.report(int(refs[0]), "+255712345678")
    modem.report(int(refs[0]), "+255799999999")  # another number: matches nothing
    assert services.read_modem_inboxes() == 2
    long.refresh_from_db()
    assert long.state == MessageState.SENT and long.delivered_parts == 1
    modem.report(int(refs[1]), "+255712345678")
    modem.report(int(other.gateway_reference), "+255712345679", status=0x41)
    assert services.read_modem_inboxes() == 2
    long.refresh_from_db()
    other.refresh_from_db()
    assert long.state == MessageState.DELIVERED and long.delivered_at is not None
    assert other.state == MessageState.FAILED
    assert modem.inbox == {}
    assert not Message.objects.filter(state=MessageState.SENDING).exists()
    from erp.messaging.models import InboundMessage

    assert not InboundMessage.objects.exists()  # a report is no text from a client


@pytest.mark.django_db
def test_a_text_announced_during_a_send_is_read_at_once_by_its_index(
    modem, django_capture_on_commit_callbacks
):
    """+CMTI arriving between the PDU and the +CMGS answer is not mistaken for the answer;
    the pump reads that place (AT+CMGR) and logs it right after sending, then deletes it."""
    from datetime import UTC, datetime

    from erp.messaging.models import InboundMessage

    gateway = services.create_gateway(
        name="Modem", kind=GatewayKind.MODEM, base_url=modem.device, is_default=True
    )
    message = services.queue_message(phone="+255712345678", text="Asante")
    modem.arriving_during_send = [("+255712345670", "STOP")]
    with django_capture_on_commit_callbacks(execute=True):
        pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.gateway_reference == "1"
    assert InboundMessage.objects.get(phone="+255712345670").text == "STOP"
    assert modem.inbox == {}
    assert "AT+CMGR=1" in modem.commands and not any(
        c.startswith("AT+CMGL") for c in modem.commands
    )
    # a stored text keeps the SMS centre's time stamp
    at = datetime(2026, 11, 26, 6, 30, 15, tzinfo=UTC)
    modem.receive("+255712345671", "Habari", at=at)
    assert services.read_modem_inboxes() == 1
    assert InboundMessage.objects.get(phone="+255712345671").received_at == at


def test_cdsi_and_cmti_notices_are_kept_apart_from_the_answers(modem):
    gateway = ModemGateway(modem.device, timeout=3)
    modem.arriving_during_send = [("+255712345678", "Habari")]
    modem.reports_during_send = [(7, "+255712345679")]
    result = gateway.send(
        message_id="ab000000-0000-0000-0000-000000000000",
        phone="+255712345678",
        text="Asante",
        ttl_seconds=None,
    )
    assert result.reference == "1"  # the +CMGS answer, not a notice's index
    assert gateway.notices == [("CMTI", 1), ("CDSI", 2)]
    [text, report] = gateway.read_inbox(indexes=[index for _kind, index in gateway.notices])
    assert text.message.text == "Habari" and report.message.reference == 7
    assert gateway.read_inbox(indexes=[99]) == []  # an empty place (+CMS ERROR: 321)
    assert len(modem.inbox) == 2  # reading deletes nothing
    gateway.delete([text.ref, report.ref])
    assert modem.inbox == {}


@pytest.mark.django_db
def test_a_crash_between_logging_and_deleting_logs_a_report_once(modem):
    """A delivery report applied, then the worker dies before AT+CMGD: read again, it is
    recognised and only deleted (a part is never counted delivered twice)."""
    from erp.messaging.models import Message

    gateway = services.create_gateway(
        name="Modem", kind=GatewayKind.MODEM, base_url=modem.device, is_default=True
    )
    long = services.queue_message(phone="+255712345678", text="x" * 200)
    pump.pump(gateway.pk)
    long.refresh_from_db()
    first = int(long.gateway_reference.split(",")[0])

    class DiesBeforeDeleting(ModemGateway):
        def delete(self, refs):
            raise SystemExit("worker killed")

    modem.report(first, "+255712345678")
    with pytest.raises(SystemExit):
        services.read_inbox(gateway, adapter=DiesBeforeDeleting(modem.device, timeout=3))
    assert Message.objects.get(pk=long.pk).delivered_parts == 1 and len(modem.inbox) == 1
    assert services.read_modem_inboxes() == 0
    assert Message.objects.get(pk=long.pk).delivered_parts == 1 and modem.inbox == {}
