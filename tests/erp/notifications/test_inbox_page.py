"""The notifications page marks what is opened as read and goes where it links; the top bar's
count is read again on every page load (``/notifications/unread/``)."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.notifications.models import Notification
from erp.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_opening_a_notification_marks_it_read_and_opens_its_link(client, users):
    agent, other = users[Role.AGENT], users[Role.SALES]
    [fault] = notify(users=[agent], text="Fault to verify", url="/faults/inbox/")
    [plain] = notify(users=[agent], text="Warranty ends")
    [elsewhere] = notify(users=[agent], text="Odd link", url="https://evil.example.com/x")
    [not_mine] = notify(users=[other], text="Not for the agent", url="/faults/inbox/")
    client.force_login(agent)

    page = client.get("/notifications/").content.decode()
    assert (
        f'href="/notifications/{fault.pk}/"' in page and page.count("erp-notification--unread") == 3
    )

    response = client.get(f"/notifications/{fault.pk}/")
    assert response.status_code == 302 and response["Location"] == "/faults/inbox/"
    fault.refresh_from_db()
    assert fault.read_at is not None
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 2
    # no link, or a link off the site: back to the list (read all the same)
    for note in (plain, elsewhere):
        response = client.get(f"/notifications/{note.pk}/")
        assert response.status_code == 302 and response["Location"] == "/notifications/"
        note.refresh_from_db()
        assert note.read_at is not None
    # someone else's: not found, and left unread
    assert client.get(f"/notifications/{not_mine.pk}/").status_code == 404
    not_mine.refresh_from_db()
    assert not_mine.read_at is None
    page = client.get("/notifications/").content.decode()
    assert "erp-notification--unread" not in page and "erp-bell__count" not in page


def test_the_unread_count_for_the_top_bar(client, users):
    agent = users[Role.AGENT]
    assert client.get("/notifications/unread/").status_code in (302, 403)
    client.force_login(agent)
    assert client.get("/notifications/unread/").json() == {"unread": 0}
    notify(users=[agent, agent], text="x")
    notify(users=[users[Role.SALES]], text="not the agent's")
    response = client.get("/notifications/unread/")
    assert response.json() == {"unread": 2} and response["Cache-Control"] == "no-store"
    client.post("/notifications/read/")
    assert client.get("/notifications/unread/").json() == {"unread": 0}
