"""Composing at 360 px: the live counter follows the text as a phone's does (characters,
parts, encoding), and a campaign form shows its template's parts; no sideways scrolling,
no console errors. Screenshots in test-artifacts/sms-*.png."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.messaging import services
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_live_counter_at_360px(page_for, users, shot, make_client):
    services.create_gateway(name="Phone", base_url="http://127.0.0.1:9", is_default=True)
    make_client(marketing_consent=True)
    services.save_template(
        actor=None,
        code="offer-360",
        name="Offer",
        kind="marketing",
        text_en="{client_name}, new offer at {site}! Reply STOP to opt out.",
    )
    page = page_for(360, 800)
    login(page, users[Role.MARKETING].username)
    page.goto(f"{page.base}/sms/send/")
    area = page.locator("textarea[name=text]")
    counter = page.locator("#sms-counter")
    area.fill("a" * 160)
    assert counter.locator("[data-parts]").inner_text() == "1"
    area.fill("a" * 161)
    assert counter.locator("[data-parts]").inner_text() == "2"
    area.fill("Bei ni €5")
    assert counter.locator("[data-units]").inner_text() == "10"
    assert counter.locator("[data-encoding]").inner_text() == "GSM-7"
    area.fill("it’s fine")  # normalised: stays GSM-7
    assert counter.locator("[data-encoding]").inner_text() == "GSM-7"
    area.fill("Habari 😀")
    assert counter.locator("[data-encoding]").inner_text() == "UCS-2"
    assert counter.locator("[data-units]").inner_text() == "9"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "sms-compose-360")

    page.goto(f"{page.base}/sms/campaigns/")
    assert page.locator("#campaign-text").input_value()  # the first template's text
    assert int(page.locator("#sms-counter [data-parts]").inner_text()) >= 1
    page.fill("input[name=name]", "November")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("#campaigns >> text=November")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "sms-campaigns-360")
    assert page.console_errors == []
