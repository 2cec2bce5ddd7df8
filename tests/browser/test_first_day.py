"""A newcomer's first day in a real browser: log in, add a site, a router and a client."""

from __future__ import annotations

import re

import pytest

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sites.models import Router, Site
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save(page):
    """Submit the form and wait until the app has moved on to the saved record's page."""
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/detail/$"))


def _select(page, name: str, label: str):
    """Choose an option of a material select by its visible label."""
    page.locator(f"vf-field-select[name={name}]").click()
    page.get_by_role("option", name=label).click()


def test_admin_creates_site_router_and_client(page_for, shot, make_user):
    admin = make_user(Role.SUPER_ADMIN, "boss")
    page = page_for()
    login(page, admin.username)
    shot(page, "01-dashboard")

    page.goto(f"{page.base}/network/site/add/")
    page.fill("input[name=name]", "Kariakoo Market")
    page.fill("input[name=code]", "DAR-KKO")
    page.fill("input[name=latitude]", "-6.8166")
    page.fill("input[name=longitude]", "39.2769")
    shot(page, "02-site-form")
    _save(page)
    site = Site.objects.get(code="DAR-KKO")
    assert site.history.latest().history_user == admin

    page.goto(f"{page.base}/network/router/add/")
    _select(page, "site", str(site))
    page.fill("input[name=name]", "kko-hap")
    page.fill("input[name=host]", "192.168.88.1")
    page.fill("input[name=username]", "api")
    page.fill("input[name=password]", "Router-Pass-1")
    _save(page)
    router = Router.objects.get(name="kko-hap")
    assert router.get_password() == "Router-Pass-1"
    page.goto(f"{page.base}/network/router/")
    assert "kko-hap" in page.content() and "Router-Pass-1" not in page.content()
    shot(page, "03-router-list")

    page.goto(f"{page.base}/customers/client/add/")
    _select(page, "site", str(site))
    page.fill("input[name=name]", "Said Ally")
    page.fill("input[name=phone]", "0754 111 222")
    page.fill("input[name=mac_address]", "a4-5e-60-01-02-03")
    _save(page)
    client = Client.objects.get(name="Said Ally")
    assert str(client.phone) == "+255754111222" and client.mac_address == "A4:5E:60:01:02:03"
    page.goto(f"{page.base}/customers/client/")
    assert "+255754111222" in page.content()
    shot(page, "04-client-list")
    assert page.console_errors == []


def test_agent_on_a_phone_sees_the_drawer_and_own_clients(
    page_for, shot, make_user, make_site, make_client
):
    agent = make_user(Role.AGENT, "halima")
    other = make_user(Role.AGENT, "idrisa")
    mine = make_site(name="Mine", code="MINE", agents=[agent])
    theirs = make_site(name="Theirs", code="THEIRS", agents=[other])
    make_client(site=mine, actor=agent, name="My Client")
    make_client(site=theirs, actor=other, name="Their Client")

    page = page_for(width=360, height=740)
    login(page, agent.username)
    page.goto(f"{page.base}/customers/client/")
    body = page.content()
    assert "My Client" in body and "Their Client" not in body
    shot(page, "05-agent-phone-clients")
    # The menu is a drawer on a phone: hidden until the menu button opens it
    page.click("button.vf-page__menu-toggle")
    page.wait_for_timeout(400)
    shot(page, "06-agent-phone-drawer")
    assert page.is_visible("text=Clients")
    assert page.console_errors == []
