"""The technician's field screens at 360 px: the fault photo is seen (resized) before the
report goes, and a repair logs the parts put in and taken out, offline, applied at the sync."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from PIL import Image
from playwright.sync_api import expect

from erp.accounts.roles import Role
from erp.assets import services as asset_services
from erp.assets.choices import AssetStatus
from erp.maintenance.models import Fault, RepairLog
from tests.browser.helpers import login
from tests.browser.test_field_app import enter_pin
from workflows.fault_repair import services as process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sync(page) -> None:
    page.click("nav [data-tab='sync']")
    page.click("#sync-now")
    page.wait_for_selector("#sync-status:has-text('Synced')")


def test_photo_preview_then_a_repair_with_parts_offline(
    page_for, make_site, make_user, admin_user, asset_types, tmp_path, shot
):
    site = make_site(name="Mbezi")
    tech = make_user(Role.TECHNICAL)
    tech.site_scope.add(site)
    lead = make_user(Role.TECHNICAL, username="lead")
    lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    lead = type(lead).objects.get(pk=lead.pk)
    ap = asset_types["access-point"]
    spare = asset_services.create_asset(actor=admin_user, asset_type=ap, serial_number="SN-NEW")
    broken = asset_services.create_asset(
        actor=admin_user, asset_type=ap, serial_number="SN-OLD", site=site
    )
    picture, other = tmp_path / "camera.png", tmp_path / "second.png"
    Image.new("RGB", (3000, 2000), (20, 120, 200)).save(picture)  # a phone camera's size
    Image.new("RGB", (2000, 3000), (200, 30, 30)).save(other)

    page = page_for(360, 740)
    login(page, tech.username)
    page.goto(page.base + "/app/")
    enter_pin(page)
    page.wait_for_selector("body[data-ready='1']")
    page.click("#faults-tab")
    page.wait_for_selector("#fault-form")
    page.context.set_offline(True)
    expect(page.locator("#photo-box")).to_be_hidden()
    page.fill("#fault-form input[name='description']", "Mast AP dead")
    page.set_input_files("#photo", str(other))
    page.wait_for_selector("#photo-status[data-ready='1']")
    expect(page.locator("#photo-preview")).to_be_visible()
    page.click("#photo-drop")  # the wrong picture: removed, another one taken
    expect(page.locator("#photo-box")).to_be_hidden()
    assert page.get_attribute("#photo-status", "data-ready") == "0"
    page.set_input_files("#photo", str(picture))
    page.wait_for_selector("#photo-status[data-ready='1']")
    preview = page.locator("#photo-preview")
    expect(preview).to_be_visible()
    size = preview.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [1280, 853]  # what will be sent: resized on the phone
    assert preview.bounding_box()["width"] <= 360
    shot(page, "field-app-fault-photo-preview-360")
    page.click("#fault-form button.primary")
    page.wait_for_selector("#faults li:has-text('Mast AP dead')")
    expect(page.locator("#photo-box")).to_be_hidden()  # sent with the report, not kept

    page.context.set_offline(False)
    expect(page.locator("#badge")).to_have_text(re.compile(r"^0 "), timeout=15000)
    fault = Fault.objects.get()
    process.triage(actor=lead, fault=fault, technician=tech)
    for _ in range(20):  # the feed may lag behind a long transaction elsewhere: sync again
        sync(page)
        page.click("#faults-tab")
        page.wait_for_selector("#faults li")
        if page.locator(f"[data-repair='{fault.pk}']").count():
            break
        page.wait_for_timeout(1000)

    page.context.set_offline(True)
    page.click(f"[data-repair='{fault.pk}']")
    installed = page.locator("#parts_installed label")
    removed = page.locator("#parts_removed label")
    expect(installed).to_have_text(["Access point SN-NEW"], ignore_case=True)
    expect(removed).to_have_text(["Access point SN-OLD"], ignore_case=True)
    page.fill("#repair-form input[name='diagnosis']", "Radio burnt")
    page.fill("#repair-form input[name='actions']", "Swapped the AP")
    page.fill("#repair-form input[name='minutes_spent']", "50")
    page.check(f"#parts_installed input[value='{spare.pk}']")
    page.check(f"#parts_removed input[value='{broken.pk}']")
    shot(page, "field-app-repair-parts-360")
    page.click("#repair-form button.primary")
    page.wait_for_selector("#faults li:has-text('repaired')")
    assert not RepairLog.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("#badge")).to_have_text(re.compile(r"^0 "), timeout=15000)
    log = RepairLog.objects.get()
    assert list(log.parts_installed.all()) == [spare]
    assert list(log.parts_removed.all()) == [broken]
    spare.refresh_from_db()
    broken.refresh_from_db()
    assert (spare.site, spare.status) == (site, AssetStatus.DEPLOYED)
    assert broken.status == AssetStatus.IN_REPAIR
    assert page.console_errors == []
