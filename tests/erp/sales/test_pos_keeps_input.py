"""After a refused sale the POS page comes back with what was typed (package, payment method,
reference, phones) and the error written under its field, not in a vanishing snackbar."""

from __future__ import annotations

import re

import pytest

from erp.sales.models import Sale


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"[^>]*\bchecked\b', html)


@pytest.mark.django_db
def test_mobile_money_without_reference_keeps_the_input(client, agent_with_stock):
    client.force_login(agent_with_stock["agent"])
    package = str(agent_with_stock["package"].pk)
    page = client.post(
        "/pos/",
        {
            "idempotency_key": "0b7c3e2e-8f1e-4c44-9d6e-1f0d2a3b4c5d",
            "package": package,
            "payment_method": "mobile",
            "client_phone": "0754 999 000",
            "receipt_phone": "0754 111 222",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert _checked(html, "payment_method") == ["mobile"]
    assert _checked(html, "package") == [package]
    assert 'value="0754 999 000"' in html and 'value="0754 111 222"' in html
    assert re.search(
        r'name="payment_reference"[^>]*aria-invalid="true"[^>]*>\s*'
        r'<p class="pos-error" id="error-payment_reference">Give the mobile money reference.</p>',
        html,
    )
    assert not Sale.objects.exists()


@pytest.mark.django_db
def test_a_bad_phone_is_shown_at_the_phone_and_the_reference_kept(client, agent_with_stock):
    client.force_login(agent_with_stock["agent"])
    html = client.post(
        "/pos/",
        {
            "idempotency_key": "0b7c3e2e-8f1e-4c44-9d6e-1f0d2a3b4c5e",
            "package": str(agent_with_stock["package"].pk),
            "payment_method": "mobile",
            "payment_reference": "MP2611ABC",
            "client_phone": "12",
        },
    ).content.decode()
    assert _checked(html, "payment_method") == ["mobile"]
    assert 'value="MP2611ABC"' in html and 'value="12"' in html
    assert '<p class="pos-error" id="error-client_phone">Enter a valid phone number.</p>' in html
    assert 'id="error-payment_reference"' not in html
    assert not Sale.objects.exists()
    # Corrected, the same page sells
    form = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    done = client.post(
        "/pos/",
        {
            "idempotency_key": form,
            "package": str(agent_with_stock["package"].pk),
            "payment_method": "mobile",
            "payment_reference": "MP2611ABC",
            "client_phone": "0754 999 000",
        },
    )
    assert done.status_code == 302 and Sale.objects.count() == 1
