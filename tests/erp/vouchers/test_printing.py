"""Voucher cards as PDF (the codes are in the text) and batches as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from erp.accounts.roles import Role
from erp.vouchers import services
from erp.vouchers.choices import CodeFormat
from erp.vouchers.models import Voucher


@pytest.fixture
def batch(make_router, users, admin_user):
    router = make_router()
    router.site.agents.add(users[Role.AGENT])
    package = services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    made = services.request_batch(
        actor=None,
        package=package,
        router=router,
        quantity=14,
        preapproved=True,
        code_format=CodeFormat.SEPARATE,
    )
    services.generate_batch(made)
    return made


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "layout,per_page,pages", [("a4", 12, 2), ("a4", 6, 3), ("58mm", 12, 14), ("80mm", 12, 14)]
)
def test_batch_cards_pdf_contains_every_code(api, users, batch, layout, per_page, pages):
    response = api(users[Role.SALES]).get(
        f"/api/v1/voucher-batches/{batch.pk}/cards/", {"layout": layout, "per_page": per_page}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    count, text = _pdf_text(response.content)
    assert count == pages
    flat = text.replace(" ", "")
    for voucher in Voucher.objects.filter(batch=batch):
        assert voucher.code in flat and voucher.password in flat
    assert "TSh\u00a01,000" in text and "1 Day" in text


@pytest.mark.django_db
def test_bad_print_options_are_400(api, users, batch):
    client = api(users[Role.SALES])
    url = f"/api/v1/voucher-batches/{batch.pk}/cards/"
    assert client.get(url, {"layout": "a3"}).status_code == 400
    assert client.get(url, {"per_page": 0}).status_code == 400
    assert client.get(url, {"per_page": "x"}).status_code == 400


@pytest.mark.django_db
def test_reprint_a_selection_and_not_someone_elses(api, users, batch, make_user):
    vouchers = list(Voucher.objects.filter(batch=batch).order_by("code"))
    services.assign_to_agent(
        actor=users[Role.SALES],
        agent=users[Role.AGENT],
        vouchers=Voucher.objects.filter(pk=vouchers[0].pk),
    )
    agent = api(users[Role.AGENT])
    own = agent.post("/api/v1/vouchers/cards/", {"vouchers": [vouchers[0].pk]}, format="json")
    assert own.status_code == 200
    assert _pdf_text(own.content)[1].replace(" ", "").count(vouchers[0].code) == 1
    other = agent.post(
        "/api/v1/vouchers/cards/", {"vouchers": [vouchers[0].pk, vouchers[1].pk]}, format="json"
    )
    assert other.status_code == 404
    empty = agent.post("/api/v1/vouchers/cards/", {"vouchers": []}, format="json")
    assert empty.status_code == 400


@pytest.mark.django_db
def test_batch_csv(api, users, batch, settings):
    settings.HOTSPOT_LOGIN_URL = "http://wifi.kko/login?username={code}&password={password}"
    response = api(users[Role.SALES]).get(f"/api/v1/voucher-batches/{batch.pk}/codes/")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 14
    voucher = Voucher.objects.get(code=rows[0]["code"])
    assert rows[0]["password"] == voucher.password and rows[0]["price"] == "1000.00"
    assert rows[0]["login_url"].endswith(f"username={voucher.code}&password={voucher.password}")


@pytest.mark.django_db
def test_batch_page_offers_printing_and_prints(client, users, batch):
    client.force_login(users[Role.SALES])
    page = client.get(f"/vouchers/voucherbatch/{batch.pk}/detail/").content.decode()
    assert "Print A4 cards" in page and "Codes as CSV" in page
    pdf = client.get(f"/vouchers/voucherbatch/{batch.pk}/cards/", {"layout": "80mm"})
    assert pdf.status_code == 200 and _pdf_text(pdf.content)[0] == 14
    assert (
        client.get(f"/vouchers/voucherbatch/{batch.pk}/cards/", {"layout": "a3"}).status_code == 404
    )
    csv_file = client.get(f"/vouchers/voucherbatch/{batch.pk}/codes/")
    assert csv_file.status_code == 200 and csv_file.content.decode().count("\n") == 15
    client.force_login(users[Role.AGENT])
    assert client.get(f"/vouchers/voucherbatch/{batch.pk}/cards/").status_code == 403


CUSTOM = (
    '<div style="font-size:20pt">{{ site }} WIFI</div><div>CODE {{ code }}</div>'
    '<img src="{{ qr }}" style="width:15mm">'
)


@pytest.mark.django_db
def test_super_admin_edits_the_card_with_preview_and_it_is_used(client, api, users, batch):
    client.force_login(users[Role.SUPER_ADMIN])
    bad = client.post(
        "/vouchers/cardtemplate/add/", {"name": "Broken", "body": "{% if %}", "is_active": "on"}
    )
    assert bad.status_code in (200, 422) and "does not compile" in bad.content.decode()
    no_code = client.post(
        "/vouchers/cardtemplate/add/", {"name": "No code", "body": "<b>{{ site }}</b>"}
    )
    assert "put {{ code }} in it" in no_code.content.decode().replace("&#x27;", "'")
    sneaky = client.post(
        "/vouchers/cardtemplate/add/",
        {"name": "Sneaky", "body": '{{ code }}{% include "vouchers/cards.html" %}'},
    )
    assert sneaky.status_code in (200, 422)
    from erp.vouchers.models import CardTemplate

    assert not CardTemplate.objects.exists()

    ok = client.post(
        "/vouchers/cardtemplate/add/", {"name": "Kariakoo", "body": CUSTOM, "is_active": "on"}
    )
    assert ok.status_code == 302
    template = CardTemplate.objects.get()
    preview = client.get(f"/vouchers/cardtemplate/{template.pk}/preview/")
    assert preview.status_code == 200
    preview_text = " ".join(_pdf_text(preview.content)[1].split())
    assert "Kariakoo Market WIFI" in preview_text and preview_text.count("CODE ") == 6

    printed = api(users[Role.SALES]).get(f"/api/v1/voucher-batches/{batch.pk}/cards/")
    text = " ".join(_pdf_text(printed.content)[1].split())
    code = Voucher.objects.filter(batch=batch).first().code
    assert f"CODE {code}" in text and "WIFI" in text

    client.force_login(users[Role.SALES])
    assert client.get("/vouchers/cardtemplate/add/").status_code == 403
