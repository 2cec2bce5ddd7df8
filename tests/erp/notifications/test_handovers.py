"""Everyone is told when work waits for them, and only they: one notification per hand-over,
with a link that opens the task (issue 23). The flow steps announce ``workflows.task_waiting``
(a domain event delivered after the commit): a fault to triage (the technicians of its site),
a repair (the assigned technician), a repair to verify (the reporter, else the leads), a batch
to approve (its approvers, never the requester), a ticket for a team's queue or handed to a
person. A repair expense waiting for Finance is told by erp.finance (its approvers of that
site, never the recorder)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.notifications.models import Notification
from erp.support import classifier
from erp.support import services as support
from erp.support.choices import Channel
from erp.vouchers import services as vouchers
from workflows.fault_repair import services as process
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess
from workflows.support_ticket import services as ticket_process
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess
from workflows.voucher_batch.flows import VoucherBatchFlow
from workflows.voucher_batch.services import start_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``fn`` and what it left for after the commit (the domain events' deliveries)."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def _told() -> dict[str, list[Notification]]:
    """Unread notifications by username."""
    told: dict[str, list[Notification]] = {}
    for note in Notification.objects.filter(read_at__isnull=True).select_related("user"):
        told.setdefault(note.user.username, []).append(note)
    return told


def _open_task(task_process, node):
    task = task_process.task_set.filter(
        flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).get()
    return task, task.flow_task.reverse("index", args=[task.process_id, task.pk])


def _opens(client, user, url) -> None:
    """The link opens the task for the person told (its page, or the page to take it)."""
    client.force_login(user)
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].startswith(url)


def _read_all() -> None:
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")


@pytest.fixture
def lead(make_user):
    user = make_user(Role.TECHNICAL, username="neema")
    user.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    return type(user).objects.get(pk=user.pk)


def test_each_fault_hand_over_tells_who_must_act_once(
    client, run, users, make_site, make_user, lead
):
    agent, technician, finance = users[Role.AGENT], users[Role.TECHNICAL], users[Role.FINANCE]
    site = make_site(name="Mbezi", code="DAR-MBZ")
    elsewhere = make_site(name="Clock Tower", code="ARU-CLK")
    site.agents.add(agent)
    arusha_tech = make_user(Role.TECHNICAL, username="arusha_tech")
    arusha_tech.site_scope.add(elsewhere)

    # Reported: the technicians who see Mbezi (and the lead) must triage it; nobody else
    fault = run(
        process.report,
        actor=agent,
        site=site,
        severity="major",
        description="Mast AP dead since the storm",
    )
    flow_process = FaultRepairProcess.objects.get()
    task, url = _open_task(flow_process, FaultRepairFlow.triage)
    told = _told()
    assert sorted(told) == sorted([technician.username, lead.username])
    for username in told:
        [note] = told[username]
        assert note.url == url and "Mbezi" in note.text and "Mast AP dead" in note.text
    _opens(client, technician, url)
    _read_all()

    # Assigned by the lead: the technician, once, with the repair task's link; the lead not
    run(process.triage, actor=lead, fault=fault, technician=technician)
    task, url = _open_task(flow_process, FaultRepairFlow.repair)
    told = _told()
    assert list(told) == [technician.username]
    [note] = told[technician.username]
    assert note.url == url and note.text.startswith("Fault to repair at Mbezi")
    _opens(client, technician, url)
    _read_all()

    # Repaired with a cost: the reporter verifies; Finance approves the repair expense
    run(
        process.repair,
        actor=technician,
        fault=fault,
        diagnosis="PoE burnt",
        actions="Replaced PoE",
        minutes_spent=30,
        cost=Decimal("15000"),
    )
    task, url = _open_task(flow_process, FaultRepairFlow.verify)
    told = _told()
    # the expense's approver is Finance: the Super Admin only when nobody else may approve
    # (tests/erp/notifications/test_approver_scope.py)
    assert sorted(told) == sorted([agent.username, finance.username])
    [verify] = told[agent.username]
    assert verify.url == url and "please check the service is back" in verify.text
    [expense_note] = told[finance.username]
    expense = fault.repair_logs.get().expense
    assert "15,000" in expense_note.text and "Mbezi" in expense_note.text
    assert expense_note.url == f"/finance/expense/{expense.pk}/detail/"
    _opens(client, agent, url)
    _opens(client, finance, expense_note.url)
    _read_all()

    # Sent back: the technician is told again (a new hand-over), the reporter who did it not
    run(process.verify, actor=agent, fault=fault, confirm=False, reason="Still no signal")
    told = _told()
    assert list(told) == [technician.username] and len(told[technician.username]) == 1


def test_a_repair_the_reporter_made_goes_to_the_leads(run, users, make_site, lead):
    technician = users[Role.TECHNICAL]
    site = make_site(name="Tegeta", code="DAR-TGT")
    # Reported by the technician who then repairs it: the reporter is not asked to triage it
    fault = run(process.report, actor=technician, site=site, severity="minor", description="Slow")
    assert list(_told()) == [lead.username]
    _read_all()
    run(process.triage, actor=lead, fault=fault, technician=technician)
    _read_all()
    run(process.repair, actor=technician, fault=fault, diagnosis="d", actions="a", minutes_spent=5)
    # a lead verifies (not the Super Admin while a lead can, never the repairing technician)
    told = _told()
    assert list(told) == [lead.username]
    assert "please check the service is back" in told[lead.username][0].text


def test_a_batch_waiting_for_approval_tells_the_approvers_not_the_requester(
    client, run, users, admin_user, make_router, make_user, make_site
):
    router = make_router()
    package = vouchers.save_package(
        actor=admin_user,
        name="1 Hour",
        price=Decimal("500"),
        validity_seconds=3600,
        rate_limit="2M/2M",
        sites=[router.site],
    )
    other_finance = make_user(Role.FINANCE, username="finance_arusha")
    other_finance.site_scope.add(make_site(name="Clock Tower", code="ARU-CLK"))
    requester = users[Role.SALES]

    def request():
        batch = vouchers.request_batch(actor=requester, package=package, router=router, quantity=50)
        return start_process(batch)

    batch_process = run(request)
    task, url = _open_task(batch_process, VoucherBatchFlow.decide)
    told = _told()
    assert sorted(told) == sorted([users[Role.FINANCE].username, admin_user.username])
    for username in told:
        [note] = told[username]
        assert note.url == url
        assert note.text.startswith("Batch waiting for your approval: 50 × 1 Hour")
        assert str(router.site) in note.text
    _opens(client, users[Role.FINANCE], url)

    # Requested by a Super Admin: the other approvers, never the requester (four eyes)
    _read_all()
    run(
        lambda: start_process(
            vouchers.request_batch(actor=admin_user, package=package, router=router, quantity=5)
        )
    )
    assert list(_told()) == [users[Role.FINANCE].username]

    # Pre-approved batches (an operator's command) wait for nobody
    _read_all()
    run(
        vouchers.request_batch,
        actor=admin_user,
        package=package,
        router=router,
        quantity=5,
        preapproved=True,
    )
    assert _told() == {}


def test_a_ticket_tells_its_team_then_the_person_it_is_handed_to(
    client, run, users, admin_user, make_user, settings, tmp_path
):
    # the shipped classifier and categories (a transactional test's flush removes the seeded)
    settings.VAR_DIR = tmp_path
    classifier.reset()
    support.seed_categories()
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    colleague = make_user(Role.FINANCE, username="billing2")
    ticket = run(
        support.open_ticket,
        text="Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada",
        channel=Channel.API,
        email="juma@example.com",
        actor=care,
    )
    ticket_proc = SupportTicketProcess.objects.get()
    task, url = _open_task(ticket_proc, SupportTicketFlow.work)
    # the billing team's queue: its members, not Customer Care, not the Super Admin
    told = _told()
    assert sorted(told) == sorted([finance.username, colleague.username])
    for username in told:
        [note] = told[username]
        assert note.url == url and f"#{ticket.number}" in note.text
        assert "waiting for your team" in note.text
    _opens(client, finance, url)
    _read_all()

    # A lead hands it to one person: that person only, once (twice over: still once)
    run(ticket_process.reassign, actor=admin_user, ticket=ticket, owner=colleague)
    told = _told()
    assert list(told) == [colleague.username] and len(told[colleague.username]) == 1
    assert told[colleague.username][0].url == url
    assert "is yours to answer" in told[colleague.username][0].text
    _opens(client, colleague, url)


def test_the_top_bar_counts_unread_notifications(client, users):
    from erp.notifications.services import mark_read, notify

    agent = users[Role.AGENT]
    client.force_login(agent)
    page = client.get("/notifications/").content.decode()
    assert 'class="erp-bell' in page and "erp-bell__count" not in page
    notify(users=[agent, agent, agent], text="x")
    for url in ("/notifications/", "/dashboard/"):
        page = client.get(url).content.decode()
        assert '<span class="erp-bell__count">3</span>' in page, url
    mark_read(user=agent)
    assert "erp-bell__count" not in client.get("/dashboard/").content.decode()
