"""The support ticket process (workflows/support_ticket) driven through its task URLs and its API
as each role: routing by category to a team's queue, replies, waiting for the customer (the SLA
clock paused), resolution with the rating request, rating, reopen within 7 days, closure, hand
over. Replies to an e-mail ticket go through a real SMTP server on loopback; to an SMS ticket
through the gateway simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.messaging.models import Message
from erp.support import services
from erp.support.choices import Channel, Direction, TicketStatus
from erp.support.models import Ticket
from workflows.support_ticket import services as process_services
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess
from workflows.tasks import fire_workflow_timers

pytestmark = pytest.mark.django_db

PAID = "Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada"
URL = "/api/v1/tickets/"


def _task(process, node, status=None):
    tasks = process.task_set.filter(flow_task=node)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("-pk").first()


def _url(process, task, action=""):
    return f"/tickets/{process.pk}/{task.flow_task.name}/{task.pk}/{action}"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``fn`` and then what it left for after the commit (domain events, e-mails)."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def _open_by_email(run, actor, text=PAID, email="juma@example.com"):
    return run(services.open_ticket, text=text, channel=Channel.API, email=email, actor=actor)


def test_ticket_numbers_come_from_a_sequence_and_never_repeat(users):
    care = users[Role.MARKETING]
    first = services.open_ticket(text=PAID, channel=Channel.API, email="a@example.com", actor=care)
    with connection.cursor() as cursor:  # another opening took a number and rolled back
        cursor.execute("SELECT nextval('support_ticket_number_seq')")
    second = services.open_ticket(
        text="Internet iko slow sana leo", channel=Channel.API, email="b@example.com", actor=care
    )
    assert second.number == first.number + 2 and first.reference == f"#{first.number}"


def test_a_billing_ticket_waits_in_the_billing_queue_and_is_worked_through_task_urls(
    client, users, make_user, run, smtp_server
):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    ticket = _open_by_email(run, care)
    assert ticket.category.slug == "paid_no_voucher" and not ticket.needs_triage
    process = SupportTicketProcess.objects.get()
    work = _task(process, SupportTicketFlow.work)
    assert work.status == STATUS.NEW and work.owner_permission == "support.work_billing"
    timer = _task(process, SupportTicketFlow.work__timeout)
    assert timer.status == STATUS.SCHEDULED and timer.scheduled == ticket.first_response_due

    # Customer Care does not see it in its queue; the Billing Officer does
    client.force_login(care)
    assert ticket.subject[:20] not in client.get("/tickets/inbox/").content.decode()
    assert client.post(_url(process, work, "assign/")).status_code in (302, 403)
    work.refresh_from_db()
    assert work.owner_id is None
    client.force_login(finance)
    inbox = client.get("/tickets/inbox/").content.decode()
    assert ticket.reference in inbox and "High" in inbox and "left" in inbox
    assert client.post(_url(process, work, "assign/")).status_code == 302
    page = client.get(_url(process, work, "execute/")).content.decode()
    assert "M-Pesa" in page and "Resolve" in page

    # An empty reply is refused, nothing sent
    refused = client.post(_url(process, work, "execute/"), {"action": "reply", "text": " "})
    assert refused.status_code == 200 and "Write the message first" in refused.content.decode()
    assert not smtp_server

    # A reply goes to the customer by e-mail, answering the first-response SLA
    sent = run(
        client.post,
        _url(process, work, "execute/"),
        {"action": "reply", "text": "Tunaangalia malipo yako <b>sasa</b>."},
    )
    assert sent.status_code == 302
    assert smtp_server[-1].recipients == ["juma@example.com"]
    assert f"[{ticket.reference}]" in smtp_server[-1].subject
    assert "Tunaangalia malipo yako <b>sasa</b>." in smtp_server[-1].body
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.first_responded_at is not None
    assert not ticket.first_response_breached
    # the SLA timer now watches the resolution
    timer.refresh_from_db()
    assert timer.scheduled == ticket.resolution_due

    # An internal note never reaches the customer
    run(client.post, _url(process, work, "execute/"), {"action": "note", "text": "Checked M-Pesa"})
    assert len(smtp_server) == 1
    assert ticket.messages.filter(direction=Direction.NOTE, text="Checked M-Pesa").exists()

    # Resolve: the task completes; the customer gets the resolution and the rating link
    done = run(
        client.post,
        _url(process, work, "execute/"),
        {"action": "resolve", "text": "Vocha yako ni ABCD-2345, imetumwa."},
    )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolution.startswith("Vocha")
    assert "/rate/" in smtp_server[-1].body and "ABCD-2345" in smtp_server[-1].body
    assert _task(process, SupportTicketFlow.work).status == STATUS.DONE
    assert _task(process, SupportTicketFlow.work__timeout).status == STATUS.CANCELED
    assert _task(process, SupportTicketFlow.resolved).status == STATUS.NEW

    # The rating link: one tap rates it once; a forged link names nothing
    link = smtp_server[-1].body.split("/rate/")[1].split("/")[0]
    anonymous = type(client)()
    assert anonymous.get(f"/rate/{link}/").status_code == 200
    assert anonymous.get(f"/rate/{link[:-2]}xx/").status_code == 404
    assert anonymous.post(f"/rate/{link}/", {"score": "9"}).status_code == 400
    assert anonymous.post(f"/rate/{link}/", {"score": "4"}).status_code == 200
    assert anonymous.post(f"/rate/{link}/", {"score": "1"}).status_code == 400
    ticket.refresh_from_db()
    assert ticket.rating == 4


def test_waiting_pauses_the_sla_and_the_customer_reply_moves_it(users, run, smtp_server):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = _open_by_email(run, care)
        process = SupportTicketProcess.objects.get()
        timer = _task(process, SupportTicketFlow.work__timeout)
        run(
            process_services.wait,
            actor=finance,
            ticket=ticket,
            text="Tuma namba ya muamala (transaction ID) tafadhali.",
        )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.WAITING and ticket.paused_at == start
        assert _task(process, SupportTicketFlow.work).owner_id == finance.pk
        timer.refresh_from_db()
        assert timer.scheduled > start + timedelta(days=365)  # parked while waiting

        # A day later nothing escalates (the clock is paused) ...
        clock.move_to(start + timedelta(days=1))
        assert fire_workflow_timers() == 0
        # ... the customer answers by e-mail reply: the clock runs again, moved by the wait
        first_due = ticket.resolution_due
        run(
            services.add_message,
            ticket=ticket,
            text="ID ni QK12AB34CD",
            direction=Direction.IN,
            channel=Channel.EMAIL,
        )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN and ticket.paused_at is None
        assert ticket.resolution_due == first_due + timedelta(days=1)
        timer.refresh_from_db()
        assert timer.scheduled == ticket.resolution_due
        assert not Ticket.objects.get().escalated_at


def test_reopen_within_7_days_goes_back_to_the_same_person_and_closes_after(
    users, run, smtp_server
):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = _open_by_email(run, care)
        process = SupportTicketProcess.objects.get()
        run(process_services.resolve, actor=finance, ticket=ticket, resolution="Vocha imetumwa.")
        # three days later the customer writes again: reopened, back to the Billing Officer
        clock.move_to(start + timedelta(days=3))
        run(
            services.add_message,
            ticket=ticket,
            text="Bado haifanyi kazi",
            direction=Direction.IN,
            channel=Channel.EMAIL,
        )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN and ticket.reopened == 1
        again = _task(process, SupportTicketFlow.work, STATUS.ASSIGNED)
        assert again.owner_id == finance.pk
        run(process_services.resolve, actor=finance, ticket=ticket, resolution="Sasa imefanya.")
        # 7 days after the last resolution the timer closes it and the process ends
        clock.move_to(start + timedelta(days=3 + 7, minutes=1))
        run(fire_workflow_timers)
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
        process.refresh_from_db()
        assert process.status == STATUS.DONE
        # after the window a message opens a new ticket instead of reopening
        assert services.add_message(
            ticket=ticket, text="hello", direction=Direction.IN, channel=Channel.EMAIL
        )
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.CLOSED


def test_the_api_steps_refuse_the_wrong_team_and_bad_input_changing_nothing(
    api, users, make_user, run, smtp_server
):
    care, finance, tech = users[Role.MARKETING], users[Role.FINANCE], users[Role.TECHNICAL]
    ticket = _open_by_email(run, care)
    url = f"{URL}{ticket.pk}/"
    assert api(tech).post(f"{url}reply/", {"text": "hi"}, format="json").status_code == 403
    assert api(care).post(f"{url}resolve/", {"resolution": "x"}, format="json").status_code == 403
    assert api(finance).post(f"{url}resolve/", {"resolution": ""}, format="json").status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and not smtp_server
    assert ticket.messages.count() == 1

    # The Billing Officer answers (takes it from the queue); a second one may not take it over
    other = make_user(Role.FINANCE, username="finance2")
    replied = run(api(finance).post, f"{url}reply/", {"text": "Tunashughulikia."}, format="json")
    assert replied.status_code == 201 and replied.json()["channel"] == "email"
    assert api(other).post(f"{url}reply/", {"text": "mine"}, format="json").status_code == 403
    # The owner hands it over to a colleague of the team; not to Customer Care
    bad = api(finance).post(f"{url}reassign/", {"owner": care.pk}, format="json")
    assert bad.status_code == 400
    ok = api(finance).post(f"{url}reassign/", {"owner": other.pk}, format="json")
    assert ok.status_code == 204
    process = process_services.process_of(ticket)
    assert _task(process, SupportTicketFlow.work).owner_id == other.pk
    resolved = run(api(other).post, f"{url}resolve/", {"resolution": "Imetatuliwa."}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    # resolving twice is a clear error
    again = api(other).post(f"{url}resolve/", {"resolution": "Tena"}, format="json")
    assert again.status_code == 400


def test_an_unsure_ticket_is_filed_by_customer_care_then_goes_to_the_technicians(
    client, users, run
):
    care, tech = users[Role.MARKETING], users[Role.TECHNICAL]
    ticket = run(
        services.open_ticket,
        text="xq zzv 123 ok",
        channel=Channel.API,
        email="x@example.com",
        actor=care,
    )
    assert ticket.needs_triage
    process = SupportTicketProcess.objects.get()
    triage = _task(process, SupportTicketFlow.triage)
    client.force_login(tech)
    assert client.post(_url(process, triage, "assign/")).status_code in (302, 403)
    client.force_login(care)
    assert client.post(_url(process, triage, "assign/")).status_code == 302
    filed = run(client.post, _url(process, triage, "execute/"), {"category": "equipment"})
    assert filed.status_code == 302
    work = _task(process, SupportTicketFlow.work)
    assert work.owner_permission == "support.work_field" and work.status == STATUS.NEW
    client.force_login(tech)
    assert ticket.reference in client.get("/tickets/inbox/").content.decode()


def test_an_sms_ticket_is_answered_by_sms_and_rated_by_replying_a_digit(
    users, run, gateway, make_client, make_site
):
    site = make_site()
    make_client(site=site, phone="+255712300300", name="Asha")
    finance = users[Role.FINANCE]
    ticket, opened = run(
        services.receive_customer_text, phone="+255712300300", text=PAID, external_ref="sms:t1"
    )
    assert opened and ticket.category.slug == "paid_no_voucher"
    run(process_services.reply, actor=finance, ticket=ticket, text="Tunaangalia.")
    reply = Message.objects.get(source__startswith="ticket-reply:")
    assert (
        reply.phone == "+255712300300"
        and reply.text == f"Tiketi {ticket.reference}: Tunaangalia."  # her language
    )
    run(process_services.resolve, actor=finance, ticket=ticket, resolution="Vocha imetumwa.")
    closing = Message.objects.get(source__startswith="ticket-resolved:")
    assert "Vocha imetumwa." in closing.text and "/rate/" in closing.text
    assert "1" in closing.text and "5" in closing.text
    # The customer replies "5": rated, not reopened, no new ticket
    rated, opened = run(
        services.receive_customer_text, phone="+255712300300", text=" 5 ", external_ref="sms:t2"
    )
    assert rated.pk == ticket.pk and not opened
    ticket.refresh_from_db()
    assert ticket.rating == 5 and ticket.status == TicketStatus.RESOLVED
    assert Ticket.objects.count() == 1
