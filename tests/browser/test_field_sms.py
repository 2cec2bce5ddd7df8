"""The field app's receipt SMS at 360 px: chosen offline (the phone's SMS app or the SMS
gateway), queued once at the next sync, its state shown after the sync that follows; a wrong
number comes back refused with the reason, and may be corrected."""

from __future__ import annotations

import importlib

import pytest
from playwright.sync_api import expect

from erp.messaging import pump
from erp.messaging.models import Message, Template
from erp.sales.models import Sale
from tests.browser.test_field_app import open_app
from tests.erp.messaging.conftest import gateway, phone_sim  # noqa: F401 - fixtures
from tests.erp.sync.conftest import field  # noqa: F401 - the agent with stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATES = {"sending": "SMS being sent", "sent": "SMS sent", "delivered": "SMS delivered"}


@pytest.fixture
def receipt_template(db):
    """The seeded receipt template (a transactional test's flush removes the migration's)."""
    seeded = importlib.import_module("erp.messaging.migrations.0002_seed_templates_and_permissions")
    fields = next(t for t in seeded.TEMPLATES if t["code"] == "sale-receipt")
    return Template.objects.get_or_create(code="sale-receipt", defaults=fields)[0]


def sync(page) -> None:
    page.click("nav [data-tab='sync']")
    page.click("#sync-now")
    page.wait_for_selector("body[data-sync='done']")
    page.wait_for_selector("#sync-status:has-text('Synced')")


def test_receipt_sms_queued_offline_goes_once_and_its_state_comes_back(
    page_for,
    field,  # noqa: F811
    gateway,  # noqa: F811
    receipt_template,
    shot,
):
    agent = field["agent"]
    page = page_for(360, 740)
    open_app(page, agent)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")

    page.context.set_offline(True)
    page.fill("#phone", "+255754000020")
    page.click("[data-sell]")
    card = page.locator("#receipt [data-sms-sale]")
    expect(card.locator("[name='sms_phone']")).to_have_value("+255754000020")
    href = card.locator("[data-sms-via='phone']").get_attribute("href")
    code = page.inner_text("#receipt .code").strip()
    assert href.startswith("sms:%2B255754000020?body=") and code in href
    card.locator("[data-sms-via='gateway']").click()
    expect(page.locator("#receipt .sms-state")).to_have_text("SMS waits for the next sync")
    expect(page.locator("#receipt [data-sms-via='gateway']")).to_be_disabled()
    shot(page, "field-app-sms-receipt-360")

    # a second sale with no number; a wrong one typed on the SMS screen
    page.fill("#phone", "")
    page.click("[data-sell]")
    page.click("nav [data-tab='sms']")
    page.wait_for_selector("[data-sale]")
    assert page.locator("main [data-sale]").count() == 2
    second = page.locator("main [data-sale]").first  # the latest sale first
    assert "SMS" not in second.locator(".sms-state").inner_text()
    second.locator("[name='sms_phone']").fill("12")
    second.locator("[data-sms-via='gateway']").click()
    expect(second.locator(".sms-state")).to_have_text("SMS waits for the next sync")
    expect(page.locator("#badge")).to_have_text("4 waiting")
    shot(page, "field-app-sms-screen-offline-360")
    assert Message.objects.count() == 0

    page.context.set_offline(False)
    sync(page)
    first_sale = Sale.objects.get(voucher__code=code)
    message = Message.objects.get()
    assert message.source == f"sale:{first_sale.pk}" and message.phone == "+255754000020"
    assert code in message.text
    page.click("nav [data-tab='sms']")
    cards = page.locator("main [data-sale]")
    expect(cards.nth(1).locator(".sms-state")).to_have_text("SMS queued at the gateway")
    refused = cards.nth(0).locator(".sms-state")
    expect(refused).to_contain_text("SMS refused: phone: ")
    expect(cards.nth(0).locator("[data-sms-via='gateway']")).to_be_enabled()
    shot(page, "field-app-sms-screen-synced-360")

    # the gateway sends it (the worker's pump); the next sync shows how far it got
    pump.pump(gateway.pk)
    message.refresh_from_db()
    assert message.state in STATES
    sync(page)
    page.click("nav [data-tab='sms']")
    expect(page.locator("main [data-sale]").nth(1).locator(".sms-state")).to_have_text(
        STATES[message.state]
    )
    # the wrong number corrected: queued at the next sync, still one SMS per sale
    page.locator("main [data-sale]").first.locator("[name='sms_phone']").fill("0754000021")
    page.locator("main [data-sale]").first.locator("[data-sms-via='gateway']").click()
    sync(page)
    sync(page)
    assert Message.objects.count() == 2
    assert Message.objects.filter(phone="+255754000021").count() == 1
    page.click("nav [data-tab='sms']")
    expect(page.locator("main [data-sale]").first.locator(".sms-state")).to_have_text(
        "SMS queued at the gateway"
    )
    shot(page, "field-app-sms-screen-sent-360")
    assert page.console_errors == []


def test_a_failed_receipt_is_sent_again_from_the_sms_screen(
    page_for,
    field,  # noqa: F811
    gateway,  # noqa: F811
    receipt_template,
    shot,
):
    """Given a receipt SMS the gateway failed to send, when the next sync shows it failed,
    then the agent sends it again (to a corrected number) with one tap, and the sync after
    shows the new message queued; the failed one stays in the office's log."""
    agent = field["agent"]
    page = page_for(360, 740)
    open_app(page, agent)
    page.fill("#phone", "+255754000030")
    page.click("[data-sell]")
    page.locator("#receipt [data-sms-via='gateway']").click()
    sync(page)
    failed = Message.objects.get()
    Message.objects.filter(pk=failed.pk).update(state="failed", reason="RESULT_ERROR_NO_SERVICE")

    sync(page)
    page.click("nav [data-tab='sms']")
    card = page.locator("main [data-sale]").first
    expect(card.locator(".sms-state")).to_have_text("SMS failed")
    again = card.locator("[data-sms-via='gateway']")
    expect(again).to_be_enabled()
    expect(again).to_have_text("Send again through the SMS gateway")
    shot(page, "field-app-sms-failed-360")
    card.locator("[name='sms_phone']").fill("0754000031")
    again.click()
    expect(card.locator(".sms-state")).to_have_text("SMS waits for the next sync")
    sync(page)
    page.click("nav [data-tab='sms']")
    card = page.locator("main [data-sale]").first
    expect(card.locator(".sms-state")).to_have_text("SMS queued at the gateway")
    expect(card.locator("[data-sms-via='gateway']")).to_be_disabled()
    shot(page, "field-app-sms-sent-again-360")
    new = Message.objects.exclude(pk=failed.pk).get()
    assert new.phone == "+255754000031" and new.state == "queued"
    assert Message.objects.get(pk=failed.pk).state == "failed"
    assert page.console_errors == []
