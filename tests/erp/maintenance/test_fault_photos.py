"""Fault photos open for the people who may see the fault, and only for them: never a public
/media/ URL, an image served inline by what its bytes are, with nosniff and a sandbox CSP."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from erp.accounts.roles import Role
from erp.maintenance.choices import Severity
from erp.maintenance.models import Fault, FaultPhoto
from workflows.fault_repair.models import FaultRepairProcess


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def reported(client, users, make_site, settings, tmp_path):
    """An agent reports a fault at their site with one photo, through the report page."""
    settings.MEDIA_ROOT = tmp_path
    site = make_site(name="Mbezi", code="DAR-MBZ")
    site.agents.add(users[Role.AGENT])
    client.force_login(users[Role.AGENT])
    response = client.post(
        "/faults/start/",
        {
            "site": str(site.pk),
            "severity": Severity.MAJOR,
            "description": "Mast AP dead",
            "photos": SimpleUploadedFile("mast.png", _png(), "image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    fault = Fault.objects.get()
    return fault, fault.photos.get()


@pytest.mark.django_db
def test_reporter_and_technician_open_the_photo_inline_with_safe_headers(client, users, reported):
    fault, photo = reported
    url = f"/fault-photos/{photo.pk}/"
    for role in (Role.AGENT, Role.TECHNICAL, Role.SUPER_ADMIN):
        client.force_login(users[role])
        response = client.get(url)
        assert response.status_code == 200, role
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content) == photo.image.open("rb").read()
    # The file is not reachable under its storage path
    client.force_login(users[Role.SUPER_ADMIN])
    assert client.get(f"/media/{photo.image.name}").status_code == 404


@pytest.mark.django_db
def test_the_task_page_shows_the_photo_through_the_guarded_url(client, users, reported):
    fault, photo = reported
    process = FaultRepairProcess.objects.get()
    triage = process.task_set.get(flow_task_type="HUMAN", finished__isnull=True)
    client.force_login(users[Role.SUPER_ADMIN])
    base = f"/faults/{process.pk}/{triage.flow_task.name}/{triage.pk}/"
    assert client.post(base + "assign/").status_code == 302
    page = client.get(base + "execute/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/fault-photos/{photo.pk}/"' in html
    assert "/media/" not in html


@pytest.mark.django_db
def test_others_get_404_and_anonymous_goes_to_login(client, users, make_user, reported):
    fault, photo = reported
    url = f"/fault-photos/{photo.pk}/"
    # An agent of another site: the fault is not theirs
    client.force_login(make_user(Role.AGENT))
    assert client.get(url).status_code == 404
    # A role without the right to view faults
    from erp.accounts.roles import ROLE_PERMISSIONS

    blind = [r for r in Role.values if "maintenance.view_fault" not in ROLE_PERMISSIONS[r]]
    for role in blind:
        client.force_login(users[role])
        assert client.get(url).status_code == 404, role
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_stored_file_that_is_not_an_image_is_never_served(client, users, reported):
    fault, _photo = reported
    evil = FaultPhoto.objects.create(
        fault=fault,
        image=SimpleUploadedFile("x.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/>"),
    )
    client.force_login(users[Role.SUPER_ADMIN])
    assert client.get(f"/fault-photos/{evil.pk}/").status_code == 404
