"""Finding 8: a receipt is a PDF or an image by its content, whatever its name says; it is
stored under the extension of what it is and served only as a download, to those who may see
the expense."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from erp.accounts.roles import Role
from erp.finance.models import Expense

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _form(receipt, **extra):
    return {
        "category": "power",
        "site": "",
        "amount": "2500",
        "spent_on": timezone.localdate().isoformat(),
        "payee": "Generator fuel",
        "note": "",
        "receipt": receipt,
        **extra,
    }


@pytest.fixture
def finance(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users[Role.FINANCE])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content",
    [
        ("invoice.pdf", b"<html><script>alert(document.cookie)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("receipt.jpg", b"<?xml version='1.0'?><svg/>"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
    ],
    ids=["html-as-pdf", "svg", "svg-as-jpg", "exe-as-pdf"],
)
def test_receipt_refused_by_content(finance, name, content, tmp_path):
    page = finance.post(
        "/finance/expense/add/", _form(SimpleUploadedFile(name, content, "application/pdf"))
    )
    assert page.status_code in (200, 400)
    assert "Upload a PDF or an image" in page.content.decode()
    assert not Expense.objects.exists()
    assert not list(tmp_path.rglob("*.*"))  # nothing stored


@pytest.mark.django_db
def test_receipt_refused_through_the_api(api, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api(users[Role.FINANCE]).post(
        "/api/v1/expenses/",
        {
            "category": "power",
            "amount": "2500",
            "spent_on": timezone.localdate().isoformat(),
            "payee": "Fuel",
            "receipt": SimpleUploadedFile("r.pdf", b"<html></html>", "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "Upload a PDF or an image" in str(response.json()["receipt"])
    assert not Expense.objects.exists()


@pytest.mark.django_db
def test_image_named_html_stored_as_png_and_served_as_download(
    finance, client, users, make_user, make_site
):
    finance.post("/finance/expense/add/", _form(SimpleUploadedFile("scan.html", PNG, "text/html")))
    expense = Expense.objects.get()
    assert expense.receipt.name.endswith("/scan.png")
    detail = finance.get(f"/finance/expense/{expense.pk}/detail/").content.decode()
    url = f"/finance/expense/{expense.pk}/receipt/"
    assert f'href="{url}"' in detail
    download = finance.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG

    # Another Finance user scoped to another site does not see it; an agent may not at all.
    scoped = make_user(Role.FINANCE)
    scoped.site_scope.set([make_site(name="Elsewhere", code="ELS")])
    client.force_login(scoped)
    assert client.get(url).status_code == 404
    client.force_login(users[Role.AGENT])
    assert client.get(url).status_code in (302, 403)
