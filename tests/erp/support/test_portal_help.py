"""The captive portal's "Get help" form: a phone, a message and an optional photo or PDF open a
support ticket on channel portal at the site; the file is judged by its content, size-limited,
stored outside any public URL and served only to staff who may see the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from erp.accounts.roles import Role
from erp.support import services
from erp.support.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BROKEN = "The antenna on the roof is bent after the storm, no signal at the market since morning"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post(client, site, *, phone="0754 123 456", message=BROKEN, file=None, **extra):
    data = {"phone": phone, "message": message, **extra}
    if file is not None:
        data["attachment"] = file
    return client.post(f"/portal/{site.code}/help/", data, REMOTE_ADDR="10.9.8.7")


def test_a_customer_asks_for_help_with_a_photo_and_staff_who_may_see_it_get_it(
    client, make_site, users, make_user, settings
):
    site, elsewhere = make_site(), make_site()
    page = client.get(f"/portal/{site.code}/help/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert f"/portal/{site.code}/help/" in client.get(f"/portal/{site.code}/").content.decode()
    assert "Tatizo ni nini?" in client.get(f"/portal/{site.code}/help/?lang=sw").content.decode()

    sent = _post(client, site, file=SimpleUploadedFile("roof.jpg", PNG, "image/jpeg"))
    assert sent.status_code == 200, sent.content.decode()[:500]
    ticket = Ticket.objects.get()
    assert ticket.reference in sent.content.decode()
    assert (ticket.channel, ticket.site, ticket.phone) == ("portal", site, "+255754123456")
    assert ticket.opened_by is None
    attachment = TicketAttachment.objects.get()
    assert attachment.ticket == ticket and attachment.kind == "png" and attachment.size == len(PNG)
    # named by its content (a PNG sent as roof.jpg), stored under MEDIA_ROOT
    assert attachment.filename.endswith(".png")
    stored = Path(settings.MEDIA_ROOT) / attachment.file.name
    assert stored.read_bytes() == PNG
    url = f"/support/attachments/{attachment.pk}/"

    # staff who may see the ticket: the file, as an image, never sniffed as anything else
    care = users[Role.MARKETING]
    client.force_login(care)
    got = client.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"
    assert url in client.get(f"/support/{ticket.pk}/").content.decode()

    # staff narrowed to another site, and an agent: not found; nobody: the login page
    narrowed = make_user(Role.MARKETING, username="care-elsewhere")
    narrowed.site_scope.add(elsewhere)
    client.force_login(narrowed)
    assert client.get(url).status_code == 404
    client.force_login(users[Role.AGENT])
    assert client.get(url).status_code in (403, 404)
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    # the media folder is not a public URL
    assert client.get(f"/{django_settings.MEDIA_URL}{attachment.file.name}").status_code == 404


def test_a_pdf_is_downloaded_not_shown(client, make_site, users):
    site = make_site()
    assert (
        _post(client, site, file=SimpleUploadedFile("bill.pdf", PDF, "application/pdf")).status_code
        == 200
    )
    attachment = TicketAttachment.objects.get()
    client.force_login(users[Role.MARKETING])
    got = client.get(f"/support/attachments/{attachment.pk}/")
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "Upload a PDF or an image",
        ),
        (
            SimpleUploadedFile("tool.jpg", b"MZ\x90\x00" + b"\x00" * 60, "image/jpeg"),
            "Upload a PDF or an image",
        ),
    ],
    ids=["html-named-png", "program-named-jpg"],
)
def test_a_file_that_is_not_an_image_or_a_pdf_is_refused_and_nothing_is_stored(
    client, make_site, settings, file, expected
):
    site = make_site()
    refused = _post(client, site, file=file)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert expected in body and BROKEN in body  # the message is kept for another try
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_file_over_the_limit_and_bad_input_are_refused(client, make_site, monkeypatch):
    site = make_site()
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1000)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 1000, "image/png")
    refused = _post(client, site, file=big)
    assert refused.status_code == 400 and "too large" in refused.content.decode()
    assert _post(client, site, phone="").status_code == 400
    assert _post(client, site, phone="not a phone").status_code == 400
    assert _post(client, site, message="   ").status_code == 400
    assert not Ticket.objects.exists()


def test_the_help_form_is_rate_limited_per_address(client, make_site, settings):
    settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, "portal_help": "2/min"}
    site = make_site()
    assert _post(client, site).status_code == 200
    assert _post(client, site, message="Still no signal at the market").status_code == 200
    third = _post(client, site, message="Hello? still nothing")
    assert third.status_code == 429 and third["Retry-After"]
    assert Ticket.objects.count() == 2
