"""Issue 23 on a 360 px phone: the bell in the top bar shows the unread count on every page;
opening a notification from the notifications page marks it read and opens its link; going
back shows the count fresh (read again on page load, not the count the page was drawn with)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from erp.accounts.roles import Role
from erp.notifications.services import notify
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_and_the_page_marks_read(page_for, shot, make_user):
    agent = make_user(Role.AGENT, "zawadi", first_name="Zawadi")
    notify(users=[agent], text="Warranty of the Mbezi router ends in 30 days")
    notify(
        users=[agent], text="Repaired at Mbezi, please check the service is back", url="/faults/"
    )
    page = page_for(width=360, height=740)
    login(page, agent.username)
    badge = page.locator(".erp-bell .erp-bell__count")
    expect(badge).to_have_text("2")
    expect(badge).to_be_visible()
    for url in ("/customers/client/", "/accounts/profile/"):
        page.goto(f"{page.base}{url}")
        expect(badge).to_have_text("2")
    shot(page, "bell-360")

    page.click(".erp-bell")
    page.wait_for_url("**/notifications/")
    expect(page.locator(".erp-notification--unread")).to_have_count(2)
    shot(page, "notifications-360")
    page.click("text=please check the service is back")
    page.wait_for_url("**/faults/**")
    expect(badge).to_have_text("1")

    # back to the list: the count is read again (one left), not the "2" it was drawn with
    page.go_back()
    page.wait_for_url("**/notifications/")
    expect(page.locator(".erp-bell .erp-bell__count")).to_have_text("1")
    page.goto(f"{page.base}/notifications/")
    expect(page.locator(".erp-notification--unread")).to_have_count(1)
    page.click("#notifications-read-all")
    expect(page.locator(".erp-notification--unread")).to_have_count(0)
    expect(page.locator(".erp-bell .erp-bell__count")).to_have_count(0)
    assert not page.console_errors
