"""Rate limits on the public pages and endpoints: the captive portal, the payment providers'
webhooks and the field app's sync.

Each limit trips at its count with 429, ``Retry-After`` and a message saying how long to wait;
the refused request reaches no view (no checkout started, no webhook recorded, no push
applied); and once ``Retry-After`` has passed the same caller is served again.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings as django_settings

from erp.accounts.roles import Role
from erp.payments.models import WebhookEvent
from erp.sync.models import AppliedOperation, Device


@pytest.fixture
def limits(settings):
    def set_(**rates):
        settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, **rates}

    return set_


def _fresh_window(period: int, value: str) -> None:
    """Sleep until the counting window of ``value`` (an address, ``user:<id>``) starts again,
    so that a test's few requests fall in one window (django-ratelimit's windows are fixed,
    their edges offset per key)."""
    from django_ratelimit.core import _get_window

    time.sleep(max(0.0, _get_window(value, period) - time.time()) + 0.05)


def _refused(response, *, json_body: bool) -> int:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60 * 60
    text = response.json()["detail"] if json_body else response.content.decode()
    assert f"Too many requests. Try again in {wait} seconds." in text
    return wait


@pytest.fixture
def portal_site(make_site):
    from erp.portal.models import PortalSettings

    site = make_site()
    PortalSettings.objects.get_or_create(site=site)
    return site


@pytest.mark.django_db
def test_portal_pages_limited_per_address_then_served_again(client, portal_site, limits):
    limits(portal="3/6s")
    url = f"/portal/{portal_site.code}/"
    client.get(url, REMOTE_ADDR="10.0.0.1")  # warm up: the first render is slow
    _fresh_window(6, "127.0.0.1")
    started = time.monotonic()
    # GETs and POSTs, over the portal's pages, share the address's count.
    assert client.get(url).status_code == 200
    assert client.post(url, {"code": "WRONG"}).status_code == 400
    assert client.get(url + "account/").status_code == 200
    wait = _refused(client.get(url), json_body=False)
    assert time.monotonic() - started < 6
    # Another address (another site's NAT) is not affected.
    assert client.get(url, REMOTE_ADDR="10.20.30.40").status_code == 200
    time.sleep(wait)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_portal_checkout_limited_per_address(client, portal_site, limits):
    limits(portal_checkout="2/min")
    url = f"/portal/{portal_site.code}/buy/"
    package = "00000000-0000-0000-0000-000000000000"
    for _ in range(2):
        assert client.post(url, {"package": package}).status_code == 400  # no such package
    _refused(client.post(url, {"package": package}), json_body=False)
    # The portal page (not a checkout) is still served to the same address.
    assert client.get(f"/portal/{portal_site.code}/").status_code == 200


@pytest.mark.django_db
def test_payment_webhook_limited_per_address_then_served_again(client, wave, limits):
    limits(payment_webhook="2/6s")
    account = wave.account()
    _fresh_window(6, "127.0.0.1")
    url = f"/payments/webhooks/{account.pk}/"
    headers = {"Wave-Signature": "t=1,v1=bad"}
    for _ in range(2):
        bad = client.post(url, data=b"{}", content_type="application/json", headers=headers)
        assert bad.status_code == 401
    before = WebhookEvent.objects.count()
    refused = client.post(url, data=b"{}", content_type="application/json", headers=headers)
    wait = _refused(refused, json_body=True)  # a JSON caller gets a JSON answer
    assert WebhookEvent.objects.count() == before
    time.sleep(wait)
    again = client.post(url, data=b"{}", content_type="application/json", headers=headers)
    assert again.status_code == 401  # heard again (and refused for its signature)


@pytest.mark.django_db
def test_sync_push_and_pull_limited_per_user_then_served_again(api, users, make_user, limits):
    limits(sync_push="2/6s", sync_pull="3/6s")
    agent = api(users[Role.AGENT])
    _fresh_window(6, f"user:{users[Role.AGENT].pk}")
    for _ in range(2):
        assert agent.post("/api/v1/sync/push", {"ops": []}, format="json").status_code == 200
    op = {
        "device_id": str(uuid.uuid4()),
        "seq": 1,
        "op": "create",
        "entity": "client",
        "id": str(uuid.uuid4()),
        "payload": {"phone": "+255712000111", "name": "Refused"},
    }
    wait = _refused(agent.post("/api/v1/sync/push", {"ops": [op]}, format="json"), json_body=True)
    # the refused push was not read
    assert not AppliedOperation.objects.exists() and not Device.objects.exists()
    # Pull is counted apart, and another agent's pushes are not affected.
    assert agent.get("/api/v1/sync/pull").status_code == 200
    other = api(make_user(Role.AGENT))
    assert other.post("/api/v1/sync/push", {"ops": []}, format="json").status_code == 200
    for _ in range(2):
        assert agent.get("/api/v1/sync/pull").status_code == 200
    _refused(agent.get("/api/v1/sync/pull"), json_body=True)
    time.sleep(wait)
    assert agent.post("/api/v1/sync/push", {"ops": []}, format="json").status_code == 200
