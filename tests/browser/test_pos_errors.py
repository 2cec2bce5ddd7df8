"""On a 360 px phone: an agent picks mobile money, types the phone, forgets the reference and
taps Sell; the page keeps mobile money and the phone and says, under the reference box, what
is missing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from erp.sales.models import Sale
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_keeps_what_was_typed_after_an_error(page_for, shot, agent_with_stock):
    page = page_for(width=360, height=740)
    agent = agent_with_stock["agent"]
    login(page, agent.username)
    page.goto(f"{page.base}/pos/")
    page.click("label:has(input[value=mobile])")
    page.fill("input[name=client_phone]", "0754 999 000")
    page.click("button.sell")
    error = page.locator("#error-payment_reference")
    expect(error).to_have_text("Give the mobile money reference.")
    expect(page.locator("input[name=payment_method][value=mobile]")).to_be_checked()
    expect(page.locator("input[name=client_phone]")).to_have_value("0754 999 000")
    expect(page.locator("input[name=payment_reference]")).to_have_attribute("aria-invalid", "true")
    assert error.is_visible()
    shot(page, "pos-error-kept-360")
    assert not Sale.objects.exists()
    # Typing the reference and tapping again sells
    page.fill("input[name=payment_reference]", "MP2611ABC")
    page.click("button.sell")
    page.wait_for_url("**/pos/receipt/**")
    assert Sale.objects.get().payment_reference == "MP2611ABC"
