"""One Support entry in the menu: the process's inbox and queue plus every ticket and the desk
form; the task pages' breadcrumbs name the ticket (#1042), not the process."""

from __future__ import annotations

import re

import pytest

from erp.accounts.roles import Role
from erp.support import services
from erp.support.choices import Channel
from erp.support.models import Ticket
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess

pytestmark = pytest.mark.django_db

PAID = "Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada"


def _menu_titles(html: str) -> list[str]:
    return [
        title.strip()
        for title in re.findall(r'vf-page__menu-list-item"[^>]*>.*?__content">([^<]+)<', html, re.S)
    ]


def test_support_is_one_menu_entry_that_reaches_the_inbox_the_list_and_the_desk(client, users):
    client.force_login(users[Role.MARKETING])
    page = client.get("/tickets/inbox/").content.decode()
    titles = _menu_titles(page)
    assert titles.count("Support") == 1 and "Support tickets" not in titles
    assert 'href="/tickets/"' in page  # the one entry opens the process app
    assert 'href="/support/"' in page and 'href="/support/new/"' in page
    assert "All tickets" in page and "Open a ticket" in page
    # the list keeps working where the menu points
    assert client.get("/support/").status_code == 200
    # Technical opens no tickets: no desk link
    client.force_login(users[Role.TECHNICAL])
    page = client.get("/tickets/inbox/").content.decode()
    assert 'href="/support/"' in page and 'href="/support/new/"' not in page


def test_the_task_page_breadcrumb_shows_the_ticket_number(
    client, users, django_capture_on_commit_callbacks
):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(text=PAID, channel=Channel.API, email="c@x.org", actor=care)
    Ticket.objects.filter(pk=ticket.pk).update(number=4242)  # unlike any process number
    process = SupportTicketProcess.objects.get()
    work = process.task_set.get(flow_task=SupportTicketFlow.work)
    client.force_login(finance)
    base = f"/tickets/{process.pk}/work/{work.pk}/"
    crumb = f'href="/tickets/{process.pk}/">'
    for url in (f"{base}assign/", f"{base}execute/"):
        if url.endswith("execute/"):
            assert client.post(f"{base}assign/").status_code == 302
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
        html = response.content.decode()
        assert f"{crumb}#4242<" in html, url
        assert f"{crumb}#{process.pk}<" not in html
    assert "<a>#4242</a>" in client.get(f"/tickets/{process.pk}/").content.decode()
