"""Support inboxes as their users meet them: a Customer Care agent at a 1280 px desk answers
a ticket from the task page; a technician's inbox on a 360 px phone lists the field tickets with
priority and SLA left, no sideways scrolling. Screenshots are kept as artifacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.support import services
from erp.support.choices import Channel
from erp.support.models import Ticket
from tests.browser.helpers import login
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(actor, text, email):
    # transactional test: the process starts after the commit, as in production
    return services.open_ticket(text=text, channel=Channel.API, email=email, actor=actor)


def test_customer_care_answers_at_1280_and_a_technician_reads_the_inbox_at_360(
    page_for, shot, make_user, smtp_server
):
    services.seed_categories()  # a transactional test's flush removed the seeded ones
    care = make_user(Role.MARKETING, "rehema")
    tech = make_user(Role.TECHNICAL, "juma")
    slow = _open(care, "Internet iko slow sana jioni, video hazifunguki kabisa", "a@example.com")
    _open(care, "Router ya mlangoni imeungua, taa zote zimezima", "b@example.com")
    late = _open(care, "Antenna ya juu ya mnara imevunjika na hakuna mtandao", "c@example.com")
    Ticket.objects.filter(pk=late.pk).update(
        first_response_due=timezone.now() - timedelta(minutes=50), escalated_at=timezone.now()
    )

    # Customer Care at a desk: the inbox offers the slow-connection ticket from the queue
    page = page_for(width=1280, height=800)
    login(page, care.username)
    page.goto(f"{page.base}/tickets/inbox/")
    body = page.inner_text("main")
    assert slow.reference in body and "Slow connection" in body and "left" in body
    assert "Router ya mlangoni" not in body  # the technicians' ticket is not Customer Care's
    shot(page, "support-inbox-care-1280")
    process = SupportTicketProcess.objects.get(data__ticket_id=str(slow.pk))
    task = process.task_set.get(flow_task=SupportTicketFlow.work)
    page.goto(f"{page.base}/tickets/{process.pk}/work/{task.pk}/assign/")
    with page.expect_navigation():  # the task is hers once the form's POST has answered
        page.click("form.vf-form button:has-text('Take')")
    page.goto(f"{page.base}/tickets/{process.pk}/work/{task.pk}/execute/")
    page.wait_for_selector("#id_text")
    assert "video hazifunguki" in page.inner_text("main")
    page.fill("#id_text", "Tumeongeza kasi ya router ya eneo lako. Jaribu tena sasa.")
    page.click("button[value=reply]")
    page.wait_for_selector(".ticket-message--out")
    assert "Jaribu tena sasa" in page.inner_text("#thread")
    shot(page, "support-work-task-care-1280")
    assert smtp_server and smtp_server[-1].recipients == ["a@example.com"]

    # Customer Care (Marketing) also reads the Support analytics page
    page.goto(f"{page.base}/analytics/support")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    page.wait_for_load_state("networkidle")
    text = page.inner_text("#page")
    assert "Tickets per day by channel" in text and "Open tickets per team" in text
    assert page.locator(".js-plotly-plot").count() == 6
    shot(page, "analytics-support-1280")

    # A technician on a phone: the field tickets, the late one flagged
    phone = page_for(width=360, height=740)
    login(phone, tech.username)
    phone.goto(f"{phone.base}/tickets/inbox/")
    body = phone.inner_text("main")
    assert late.reference in body and "overdue" in body and "escalated" in body
    assert "High" in body and slow.reference not in body
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"
    shot(phone, "support-inbox-technician-360")
