"""Texts over their limits, from the field app at 360 px: a note over its field's limit is
refused for that operation alone and shown with the field named, the rest of the queue goes;
an operation bigger than a whole push is kept on the phone and the server's reason shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from erp.clients.models import Client
from erp.sales.models import Sale
from tests.browser.test_field_app import open_app
from tests.erp.sync.conftest import field  # noqa: F401 - the agent with stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_client(page, name: str, phone: str, notes: str) -> None:
    page.click("nav [data-tab='clients']")
    page.wait_for_selector("#client-form")
    page.fill("input[name='name']", name)
    page.fill("input[name='phone']", phone)
    page.eval_on_selector("input[name='notes']", "(el, v) => { el.value = v; }", notes)
    page.click("#client-form button")
    page.wait_for_selector(f"main li:has-text('{name}')")


def test_a_long_note_is_refused_alone_and_the_sale_after_it_arrives(
    page_for,
    field,  # noqa: F811
    shot,
):
    page = page_for(360, 740)
    open_app(page, field["agent"])
    page.context.set_offline(True)
    add_client(page, "Asha", "+255754000041", "n" * 12_000)
    page.click("nav [data-tab='sell']")
    page.click("[data-sell]")
    page.wait_for_selector("#receipt .code")
    expect(page.locator("#badge")).to_have_text(re.compile(r"^2 "))

    page.context.set_offline(False)
    page.click("nav [data-tab='sync']")
    page.click("#sync-now")
    page.wait_for_selector("body[data-sync='done']")
    page.wait_for_selector("#sync-status:has-text('Synced')")
    expect(page.locator("#badge")).to_have_text(re.compile(r"^0 "))
    expect(page.locator("main ul")).to_contain_text(
        "Refused: payload.notes: The field “notes” is longer than 10000 characters."
    )
    shot(page, "field-app-note-too-long-360")
    assert not Client.objects.exists() and Sale.objects.count() == 1
    # the phone keeps the client it could not file, marked (not "waiting" forever)
    page.click("nav [data-tab='clients']")
    expect(page.locator("main li:has-text('Asha')")).to_contain_text("⚠")
    assert "⏳" not in page.inner_text("main li:has-text('Asha')")


def test_an_operation_bigger_than_a_push_stays_and_the_reason_shows(
    page_for,
    field,  # noqa: F811
    settings,
    shot,
):
    settings.SYNC_MAX_BODY_BYTES = 2_000
    page = page_for(360, 740)
    open_app(page, field["agent"])
    page.context.set_offline(True)
    add_client(page, "Juma", "+255754000042", "n" * 3_000)
    page.context.set_offline(False)
    page.click("nav [data-tab='sync']")
    page.click("#sync-now")
    page.wait_for_selector("body[data-sync='failed']")
    status = page.locator("#sync-status")
    expect(status).to_contain_text("The server refused this sync; what waits stays on the phone:")
    expect(status).to_contain_text("send the queue in smaller pushes. Nothing was applied.")
    expect(page.locator("#badge")).to_have_text(re.compile(r"^1 "))
    shot(page, "field-app-push-refused-360")
    assert not Client.objects.exists()
