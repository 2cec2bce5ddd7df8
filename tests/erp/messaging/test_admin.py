"""The gateway in the admin: the password and webhook key are write-only and stored
encrypted; a template with an unknown placeholder is refused."""

import pytest

from erp.accounts.roles import Role
from erp.messaging.models import Gateway, Template

pytestmark = pytest.mark.django_db


def test_the_admin_stores_the_gateway_secrets_encrypted_and_never_shows_them(client, users):
    client.force_login(users[Role.SUPER_ADMIN])
    r = client.post(
        "/admin/messaging/gateway/add/",
        {
            "name": "Shop phone",
            "kind": "android",
            "is_active": "on",
            "base_url": "http://192.0.2.10:8080",
            "username": "sms",
            "password": "phone-Secret-77",
            "webhook_key": "hook-Key-88",
            "port": "lte1",
            "parts_per_minute": 30,
            "throttle_window_seconds": 60,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    gateway = Gateway.objects.get(name="Shop phone")
    assert gateway.get_password() == "phone-Secret-77"
    assert "phone-Secret-77" not in gateway.password_encrypted
    page = client.get(f"/admin/messaging/gateway/{gateway.pk}/change/").content.decode()
    assert "phone-Secret-77" not in page and "hook-Key-88" not in page
    assert gateway.password_encrypted not in page


def test_the_admin_refuses_an_unknown_placeholder(client, users):
    client.force_login(users[Role.SUPER_ADMIN])
    r = client.post(
        "/admin/messaging/template/add/",
        {"code": "x", "name": "X", "kind": "marketing", "text_en": "Hi {nam}", "is_active": "on"},
    )
    assert r.status_code == 200 and "{nam}" in r.content.decode()
    assert not Template.objects.filter(code="x").exists()
