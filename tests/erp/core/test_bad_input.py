"""Bad input is a 400 with a clear message, never a 500: NUL bytes in query parameters (voucher
lookup, cursors, search, filters) and in form fields, and JSON nested too deep."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import urlencode

import pytest

from erp.accounts.roles import Role


def _cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/vouchers/lookup/?code=AB%00CD",
        "/api/v1/vouchers/?search=a%00b",
        "/api/v1/clients/?search=%00",
        f"/api/v1/clients/?cursor={_cursor('2026-01-01 00:00:00+00:00' + chr(0))}",
        "/api/v1/clients/?cursor=%00",
        "/api/v1/sales/?cursor=" + _cursor("x\x00"),
        "/api/v1/users/?cursor=" + _cursor("x\x00"),
        "/api/v1/users/?cursor=" + _cursor("x\x00") + "&page_size=1",
    ],
)
def test_nul_in_query_parameters_is_400(api, users, url):
    response = api(users[Role.SUPER_ADMIN]).get(url)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert "NUL" in body.get("detail", "") or body == {"cursor": ["Invalid cursor."]}


@pytest.mark.django_db
def test_nul_in_pages_and_the_pos_form_is_400(client, users):
    client.force_login(users[Role.SALES])
    page = client.get("/vouchers/voucher/?_search=a%00b")
    assert page.status_code == 400 and b"NUL" in page.content
    pos = client.post(
        "/pos/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "code": "AB\x00CD",
            "payment_method": "cash",
        },
    )
    assert pos.status_code == 400 and b"NUL" in pos.content


@pytest.mark.django_db
def test_deeply_nested_json_is_400(api, users):
    body = "[" * 100_000 + "]" * 100_000
    response = api(users[Role.SALES]).post(
        "/api/v1/sales/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 400, response.content[:300]
    assert "nested too deeply" in response.json()["detail"]
