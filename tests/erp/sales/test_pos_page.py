"""The POS page on a phone: a package button, pay, receipt; a double tap sells once."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from erp.accounts.roles import Role
from erp.sales.models import Sale
from erp.vouchers.models import Voucher


@pytest.mark.django_db
def test_sell_from_the_pos_page_and_a_double_tap_sells_once(client, agent_with_stock):
    client.force_login(agent_with_stock["agent"])
    page = client.get("/pos/")
    text = page.content.decode()
    assert page.status_code == 200 and "1 Hour" in text and "5 left" in text
    key = text.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {
        "idempotency_key": key,
        "package": str(agent_with_stock["package"].pk),
        "payment_method": "cash",
        "client_phone": "0754 999 000",
    }
    first = client.post("/pos/", form)
    again = client.post("/pos/", form)  # the same tap, sent twice
    assert first.status_code == 302 and again["Location"] == first["Location"]
    sale = Sale.objects.get()
    receipt = client.get(first["Location"]).content.decode()
    assert sale.voucher.code in receipt and "Receipt #1" in receipt
    assert "TOTAL" in receipt and "TSh\u00a0500" in receipt
    assert str(sale.client.phone) == "+255754999000"
    pdf = client.get(f"/pos/receipt/{sale.pk}/pdf/", {"layout": "58mm"})
    reader = PdfReader(io.BytesIO(pdf.content))
    assert sale.voucher.code in reader.pages[0].extract_text()
    assert Voucher.objects.filter(status="sold").count() == 1


@pytest.mark.django_db
def test_pos_errors_are_shown_and_change_nothing(client, agent_with_stock, users):
    client.force_login(agent_with_stock["agent"])
    key = "0b7c3e2e-8f1e-4c44-9d6e-1f0d2a3b4c5d"
    bad = client.post(
        "/pos/",
        {
            "idempotency_key": key,
            "package": str(agent_with_stock["package"].pk),
            "payment_method": "mobile",
        },
        follow=True,
    )
    assert "Give the mobile money reference." in bad.content.decode()
    bad_phone = client.post(
        "/pos/",
        {
            "idempotency_key": key,
            "package": str(agent_with_stock["package"].pk),
            "payment_method": "cash",
            "client_phone": "12",
        },
        follow=True,
    )
    assert "valid phone" in bad_phone.content.decode()
    assert not Sale.objects.exists()
    client.force_login(users[Role.SALES])
    assert "no unused vouchers" in client.get("/pos/").content.decode()
    client.force_login(users[Role.FINANCE])
    assert client.get("/pos/").status_code == 403


@pytest.mark.django_db
def test_pos_with_a_malformed_package_id_is_an_error_not_a_500(client, agent_with_stock):
    client.force_login(agent_with_stock["agent"])
    response = client.post(
        "/pos/",
        {
            "idempotency_key": "0b7c3e2e-8f1e-4c44-9d6e-1f0d2a3b4c5d",
            "package": "not-a-uuid",
            "payment_method": "cash",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not Sale.objects.exists()


@pytest.mark.django_db
def test_pos_with_an_overlong_reference_is_an_error_not_a_500(client, agent_with_stock):
    client.force_login(agent_with_stock["agent"])
    response = client.post(
        "/pos/",
        {
            "idempotency_key": "0b7c3e2e-8f1e-4c44-9d6e-1f0d2a3b4c5e",
            "package": str(agent_with_stock["package"].pk),
            "payment_method": "mobile",
            "payment_reference": "R" * 65,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "at most 64 characters" in response.content.decode()
    assert not Sale.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"payment_method": "mobile"}, "Give the mobile money reference."),
        ({"payment_method": "cash", "code": "NOSUCHCODE"}, "No voucher with this code"),
    ],
    ids=["no reference", "unknown code"],
)
def test_a_refused_sale_to_a_new_phone_leaves_no_client_behind(
    client, api, agent_with_stock, extra, refusal
):
    from erp.clients.models import Client

    # Given a buyer's phone the system has never seen, when the POS page refuses the sale
    client.force_login(agent_with_stock["agent"])
    page = client.post(
        "/pos/",
        {
            "idempotency_key": "3f1c9a52-6d0e-4b7a-9a51-0c2d8e7f6a11",
            "package": str(agent_with_stock["package"].pk),
            "client_phone": "0754 999 111",
            **extra,
        },
        follow=True,
    )
    assert refusal in page.content.decode()
    # and when the API refuses it
    seller = api(agent_with_stock["agent"])
    response = seller.post(
        "/api/v1/sales/",
        {"package": str(agent_with_stock["package"].pk), "client_phone": "0754999111", **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY="5a0e7c1d-2b3f-4e8a-9c6d-7f1e2d3c4b5a",
    )
    assert response.status_code == 400, response.content
    # then no sale and no client
    assert not Sale.objects.exists()
    assert not Client.objects.filter(phone="+255754999111").exists()


@pytest.mark.django_db
def test_the_receipt_warns_when_the_router_is_down(client, agent_with_stock):
    from erp.sites.models import Router

    client.force_login(agent_with_stock["agent"])
    key = client.get("/pos/").content.decode().split('name="idempotency_key" value="')[1][:36]
    form = {
        "idempotency_key": key,
        "package": str(agent_with_stock["package"].pk),
        "payment_method": "cash",
    }
    receipt_url = client.post("/pos/", form)["Location"]
    sale = Sale.objects.get()
    assert 'id="router-down-warning"' not in client.get(receipt_url).content.decode()
    Router.objects.filter(pk=sale.voucher.router_id).update(status="down")
    receipt = client.get(receipt_url).content.decode()
    assert 'id="router-down-warning"' in receipt
    assert sale.voucher.router.name in receipt and sale.voucher.code in receipt
