"""The technician on a 360 px phone sees the fault's photo on the repair page (it loads: a
real image, not a broken icon), and an agent of another site cannot open it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from erp.accounts.roles import Role
from tests.browser.helpers import login
from workflows.fault_repair import services as process
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile("mast.jpg", buffer.getvalue(), "image/jpeg")


def test_technician_sees_the_fault_photo(page_for, shot, make_user, make_site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead = make_user(Role.TECHNICAL, "neema")
    lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    technician = make_user(Role.TECHNICAL, "juma")
    reporter = make_user(Role.AGENT, "asha")
    site = make_site(name="Mbezi Beach", code="DAR-MBZ")
    site.agents.add(reporter)
    fault = process.report(
        actor=reporter, site=site, severity="major", description="Mast AP", photos=[_photo()]
    )
    process.triage(actor=lead, fault=fault, technician=technician)
    proc = FaultRepairProcess.objects.get()
    task = proc.task_set.get(flow_task=FaultRepairFlow.repair)

    page = page_for(width=360, height=740)
    login(page, technician.username)
    page.goto(f"{page.base}/faults/{proc.pk}/repair/{task.pk}/execute/")
    image = page.locator("img[src^='/fault-photos/']")
    assert image.count() == 1
    image.scroll_into_view_if_needed()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64
    assert not page.console_errors, page.console_errors
    shot(page, "fault-photo-repair-360")
    photo_url = image.get_attribute("src")

    other = page_for(width=360, height=740)
    login(other, make_user(Role.AGENT, "baraka").username)
    response = other.goto(f"{other.base}{photo_url}")
    assert response.status == 404
