"""Each role logs in through the login form and every page of its menu answers 200."""

from __future__ import annotations

import re

import pytest

from erp.accounts.roles import Role
from erp.notifications.services import notify
from tests.conftest import PASSWORD

MENU_LINK = re.compile(r'<a class="mdc-list-item[^"]*vf-page__menu-list-item" href="([^"]+)"')

# The applications each role finds in the menu (and the profile page in the user menu).
EXPECTED_APPS = {
    Role.SUPER_ADMIN: {
        "/dashboard/",
        "/approvals/",
        "/sms/",
        "/pos/",
        "/analytics/",
        "/network/",
        "/customers/",
        "/vouchers/",
        "/assets/",
        "/notifications/",
        "/faults/",
        "/batches/",
        "/finance/",
        "/portabilling/",
        "/openwisp/",
        "/payments/",
        "/people/",
        "/tickets/",
        "/translations/files/project/",  # rosetta, the translators' page (Super Admin only)
        "/accounts/profile/",
    },
    Role.MARKETING: {
        "/dashboard/",
        "/sms/",
        "/analytics/",
        "/network/",
        "/customers/",
        "/vouchers/",
        "/notifications/",
        "/faults/",
        "/batches/",
        "/finance/",
        "/tickets/",
        "/accounts/profile/",
    },
    Role.SALES: {
        "/dashboard/",
        "/sms/",
        "/pos/",
        "/network/",
        "/customers/",
        "/vouchers/",
        "/notifications/",
        "/faults/",
        "/batches/",
        "/finance/",
        "/accounts/profile/",
    },
    Role.TECHNICAL: {
        "/dashboard/",
        "/network/",
        "/assets/",
        "/notifications/",
        "/faults/",
        "/openwisp/",
        "/tickets/",
        "/accounts/profile/",
    },
    Role.FINANCE: {
        "/dashboard/",
        "/approvals/",
        "/sms/",
        "/analytics/",
        "/network/",
        "/customers/",
        "/vouchers/",
        "/assets/",
        "/notifications/",
        "/faults/",
        "/batches/",
        "/finance/",
        "/portabilling/",
        "/payments/",
        "/tickets/",
        "/accounts/profile/",
    },
    Role.AGENT: {
        "/dashboard/",
        "/sms/",
        "/pos/",
        "/analytics/",
        "/network/",
        "/customers/",
        "/vouchers/",
        "/notifications/",
        "/finance/",
        "/faults/",
        "/accounts/profile/",
    },
}


def _dash_bell_count(node):
    """The text of the unread badge in a Dash layout (JSON), or None."""
    if isinstance(node, list):
        return next((c for c in map(_dash_bell_count, node) if c is not None), None)
    if not isinstance(node, dict):
        return None
    props = node.get("props", {})
    if "erp-bell__count" in (props.get("className") or ""):
        return props.get("children")
    return _dash_bell_count(props.get("children"))


def _menu_links(html: str) -> set[str]:
    return {href for href in MENU_LINK.findall(html) if href.startswith("/")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_every_menu_page_of_each_role_answers_200(client, users, make_router, make_client, role):
    user = users[role]
    site = make_router().site
    site.agents.add(users[Role.AGENT])
    make_client(site=site, actor=users[Role.AGENT])
    notify(users=[user, user], text="Work waits")

    login = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert login.status_code == 302
    home = client.get("/", follow=True)
    assert home.status_code == 200

    apps = _menu_links(home.content.decode())
    assert apps == EXPECTED_APPS[role]

    seen: set[str] = set()
    queue = sorted(apps)
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code == 200, (role, url)
        if url.startswith("/analytics/"):
            # the Dash page draws its header from the layout it fetches
            layout = client.get("/analytics/_dash-layout").json()
            assert _dash_bell_count(layout) == "2", url
        elif url.startswith("/translations/"):
            # rosetta, the translators' tool, draws its own page (no top bar of ours)
            assert "rosetta" in response.content.decode().lower(), url
        elif response["Content-Type"].startswith("text/html"):
            # the unread count is in the top bar of every page
            assert '<span class="erp-bell__count">2</span>' in response.content.decode(), url
        queue.extend(_menu_links(response.content.decode()) - seen)
    # The pages behind the apps were reached too, not only the app links
    assert any(u.endswith("/site/") for u in seen)
    if role != Role.TECHNICAL:
        assert any(u.endswith("/client/") for u in seen)


@pytest.mark.django_db
def test_roles_without_permission_get_403_on_pages(client, users):
    client.force_login(users[Role.TECHNICAL])
    assert client.get("/customers/client/").status_code == 403
    client.force_login(users[Role.FINANCE])
    assert client.get("/network/router/add/").status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/network/site/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
