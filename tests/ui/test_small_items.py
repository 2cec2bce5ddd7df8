"""Issue 23's small items, as each user meets them: anonymous visits to the flow apps go to the
sign-in page, one "Dashboard" in the sidebar, the 403 page in plain words."""

from __future__ import annotations

import re

import pytest

from erp.accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/faults/", "/faults/inbox/", "/faults/queue/", "/batches/", "/batches/inbox/",
     "/batches/queue/", "/batches/start/"],
)  # fmt: skip
def test_anonymous_flow_pages_go_to_the_sign_in_page(client, url):
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_one_dashboard_entry_in_the_sidebar(client, users):
    client.force_login(users[Role.SUPER_ADMIN])
    for url in ("/dashboard/", "/faults/", "/batches/inbox/"):
        html = client.get(url).content.decode()
        labels = re.findall(r'<span class="mdc-list-item__content">\s*([^<]*?)\s*</span>', html)
        assert labels.count("Dashboard") == 1, (url, labels)
    assert "Overview" in labels  # the flow app's own index


@pytest.mark.django_db
def test_the_403_page_says_why_in_a_sentence(client, users):
    client.force_login(users[Role.AGENT])
    page = client.get("/people/user/")
    assert page.status_code == 403
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "Your role does not allow you to open this page." in text
    assert "Sign in as another user" in text
