"""A field ticket at a site whose service is down is handed to the fault process, not worked
twice: linked to the site's open router-down fault (and told when it is repaired), or, when the
site has none, reported as a fault from the ticket's task page (the fault process starts with
the ticket's text and both are linked)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Fault
from erp.support import services
from erp.support.choices import Channel, Direction
from erp.support.models import Ticket
from workflows.fault_repair import services as fault_repair
from workflows.support_ticket import faults as handover
from workflows.support_ticket import services as process_services
from workflows.support_ticket.flows import SupportTicketFlow

pytestmark = pytest.mark.django_db

NO_NET = "Hakuna mtandao kabisa hapa, wifi imekatika tangu asubuhi"
PAID = "Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def _work_url(ticket, action):
    process = process_services.process_of(ticket)
    task = process.task_set.get(flow_task=SupportTicketFlow.work)
    return f"/tickets/{process.pk}/work/{task.pk}/{action}"


def test_a_field_ticket_at_a_site_with_its_router_down_waits_on_that_fault(
    run, users, make_router, make_client
):
    technician, admin = users[Role.TECHNICAL], users[Role.SUPER_ADMIN]
    site = make_router().site
    fault = run(
        fault_repair.report,
        actor=technician,
        site=site,
        severity="critical",
        description="Router dead since the power cut",
        service_down=True,
    )
    customer = make_client(site=site, phone="+255712340001")
    ticket = run(services.open_ticket, text=NO_NET, channel=Channel.SMS, phone=str(customer.phone))
    assert ticket.team == "field" and ticket.fault == fault
    note = ticket.messages.get(direction=Direction.NOTE)
    assert fault.reference in note.text and "waits on its repair" in note.text
    # not reported twice: no second fault, and the task page offers no "Report as fault"
    assert Fault.objects.count() == 1
    assert not handover.may_report_as_fault(technician, ticket)
    # a billing ticket at the same site is not the fault's
    billing = run(services.open_ticket, text=PAID, channel=Channel.SMS, phone="+255712340002")
    assert billing.fault is None

    # the fault process repairs and verifies it: the ticket's owner is told
    run(fault_repair.triage, actor=admin, fault=fault, technician=technician)
    run(
        fault_repair.repair,
        actor=technician,
        fault=fault,
        diagnosis="PSU",
        actions="Replaced the power supply",
        minutes_spent=30,
    )
    run(fault_repair.verify, actor=admin, fault=fault, confirm=True)
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED
    assert ticket.messages.filter(
        direction=Direction.NOTE, text__contains="repaired and verified"
    ).exists()
    assert not billing.messages.filter(text__contains="repaired and verified").exists()


def test_a_ticket_filed_to_the_field_team_later_is_linked_then(run, users, make_router):
    technician, care = users[Role.TECHNICAL], users[Role.MARKETING]
    site = make_router().site
    ticket = run(
        services.open_ticket,
        text="Nina shida kidogo, nipigie tafadhali",
        channel=Channel.DESK,
        phone="+255712340003",
        site=site,
        actor=care,
    )
    fault = run(
        fault_repair.report,
        actor=technician,
        site=site,
        severity="major",
        description="No internet",
        service_down=True,
    )
    assert ticket.fault is None
    services.set_category(
        ticket=ticket, category=services.Category.objects.get(slug="no_connection"), actor=care
    )
    ticket.refresh_from_db()
    assert ticket.fault == fault


def test_the_field_team_reports_a_ticket_as_a_fault_from_its_task_page(
    client, run, users, make_router, make_client
):
    technician = users[Role.TECHNICAL]
    site = make_router().site
    customer = make_client(site=site, phone="+255712340004")
    ticket = run(services.open_ticket, text=NO_NET, channel=Channel.SMS, phone=str(customer.phone))
    assert ticket.team == "field" and ticket.fault is None
    client.force_login(technician)
    assert client.post(_work_url(ticket, "assign/")).status_code == 302
    page = client.get(_work_url(ticket, "execute/")).content.decode()
    assert "Report as fault" in page

    # a severity that does not exist: the form says so, nothing is reported
    bad = client.post(
        _work_url(ticket, "execute/"), {"action": "report_fault", "severity": "apocalyptic"}
    )
    assert bad.status_code == 400 and "apocalyptic" in bad.content.decode()
    assert not Fault.objects.exists()

    done = run(
        client.post,
        _work_url(ticket, "execute/"),
        {"action": "report_fault", "severity": "critical", "service_down": "on"},
    )
    assert done.status_code == 302
    fault = Fault.objects.get()
    assert fault.site == site and fault.severity == "critical" and fault.service_down
    assert NO_NET in fault.description and ticket.reference in fault.description
    assert fault.reported_by == technician
    assert fault_repair.process_of(fault) is not None  # the fault process started
    ticket.refresh_from_db()
    assert ticket.fault == fault and list(fault.tickets.all()) == [ticket]
    page = client.get(_work_url(ticket, "execute/")).content.decode()
    assert fault.reference in page and "Report as fault" not in page
    # the ticket's own task stays open with the technician (it waits on the fault)
    work = process_services.process_of(ticket).task_set.get(flow_task=SupportTicketFlow.work)
    assert work.owner == technician

    # reporting again is refused with a reason, no second fault
    again = client.post(
        _work_url(ticket, "execute/"), {"action": "report_fault", "severity": "major"}
    )
    assert again.status_code == 400 and "already waits on fault" in again.content.decode()
    assert Fault.objects.count() == 1


def test_report_as_fault_refuses_other_teams_and_tickets_without_a_site(run, users, make_router):
    technician, care = users[Role.TECHNICAL], users[Role.MARKETING]
    site = make_router().site
    field = run(
        services.open_ticket,
        text=NO_NET,
        channel=Channel.DESK,
        phone="+255712340005",
        site=site,
        actor=care,
    )
    with pytest.raises(NotAllowed):
        handover.report_as_fault(actor=care, ticket=field, severity="major")
    nowhere = run(services.open_ticket, text=NO_NET, channel=Channel.SMS, phone="+255712340006")
    assert nowhere.site is None and nowhere.team == "field"
    assert not handover.may_report_as_fault(technician, nowhere)
    with pytest.raises(ValidationError, match="no site"):
        handover.report_as_fault(actor=technician, ticket=nowhere, severity="major")
    assert not Fault.objects.exists()
    assert Ticket.objects.filter(fault__isnull=False).count() == 0
