"""Everyone is told when work waits for them: a notification at each hand-over of the fault
process (technician assigned, repair to verify), of a repair expense waiting for Finance and of
a voucher batch waiting for approval; the count shows in every page's top bar."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from erp.accounts.roles import Role
from erp.notifications.models import Notification
from erp.vouchers import services as vouchers
from workflows.fault_repair import services as process


def _texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


@pytest.fixture
def lead(make_user):
    user = make_user(Role.TECHNICAL, username="neema")
    user.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_each_fault_hand_over_tells_who_must_act(users, make_site, lead, make_user):
    agent, technician, finance = users[Role.AGENT], users[Role.TECHNICAL], users[Role.FINANCE]
    site = make_site(name="Mbezi", code="DAR-MBZ")
    site.agents.add(agent)
    fault = process.report(
        actor=agent, site=site, severity="major", description="Mast AP dead since the storm"
    )
    assert _texts(technician) == []

    # A technician assigned: told, with the site and what is wrong; the lead who did it is not
    process.triage(actor=lead, fault=fault, technician=technician)
    [told] = Notification.objects.filter(user=technician)
    assert "Mbezi" in told.text and "Mast AP dead" in told.text
    assert told.url == "/faults/inbox/" and told.read_at is None
    assert _texts(lead) == []

    # Repaired with a cost: the reporter must verify; Finance must approve the repair expense
    process.repair(
        actor=technician,
        fault=fault,
        diagnosis="PoE burnt",
        actions="Replaced PoE",
        minutes_spent=30,
        cost=Decimal("15000"),
    )
    [verify] = Notification.objects.filter(user=agent)
    assert "please check the service is back" in verify.text and "Mbezi" in verify.text
    [expense_note] = Notification.objects.filter(user=finance)
    assert "15,000.00" in expense_note.text and "Mbezi" in expense_note.text
    expense = fault.repair_logs.get().expense
    assert expense_note.url == f"/finance/expense/{expense.pk}/detail/"
    # the technician who recorded it is not asked to approve it
    assert not any("Expense" in t for t in _texts(technician))
    # nobody without the approval right is told
    assert _texts(users[Role.SALES]) == [] and _texts(users[Role.MARKETING]) == []


@pytest.mark.django_db
def test_a_repair_the_reporter_made_goes_to_the_leads(users, make_site, make_router, lead):
    technician = users[Role.TECHNICAL]
    site = make_site(name="Tegeta", code="DAR-TGT")
    # Reported by the technician who then repairs it: a lead verifies
    fault = process.report(actor=technician, site=site, severity="minor", description="Slow")
    process.triage(actor=lead, fault=fault, technician=technician)
    process.repair(actor=technician, fault=fault, diagnosis="d", actions="a", minutes_spent=5)
    assert any("please check the service is back" in t for t in _texts(lead))
    assert not any("please check" in t for t in _texts(technician))


@pytest.mark.django_db
def test_a_batch_waiting_for_approval_tells_the_approvers_not_the_requester(
    users, admin_user, make_router
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
    requester = users[Role.SALES]
    vouchers.request_batch(actor=requester, package=package, router=router, quantity=50)
    told = Notification.objects.filter(text__startswith="Batch waiting for your approval")
    assert told.exists()
    assert not told.filter(user=requester).exists()
    assert told.filter(user=users[Role.SUPER_ADMIN]).exists()
    note = told.first()
    assert "50 × 1 Hour" in note.text and str(router.site) in note.text
    assert note.url == "/batches/queue/"
    # Pre-approved batches (an operator's command) wait for nobody
    before = Notification.objects.count()
    vouchers.request_batch(
        actor=admin_user, package=package, router=router, quantity=5, preapproved=True
    )
    assert Notification.objects.count() == before


@pytest.mark.django_db
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
