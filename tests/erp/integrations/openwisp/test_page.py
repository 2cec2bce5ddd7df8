"""The integration's page: who sees what, settings saved without ever showing the password,
a match decided from the page."""

from __future__ import annotations

import pytest

from erp.assets import services as asset_services
from erp.integrations.openwisp import services
from erp.integrations.openwisp.choices import ConflictStatus
from erp.integrations.openwisp.models import MatchConflict, OpenWispSettings

from .conftest import PASSWORD


def _login(client, user):
    client.force_login(user)


@pytest.mark.django_db
def test_super_admin_sets_up_a_site_and_the_password_never_comes_back(
    client, users, make_site, openwisp_sim, asset_types
):
    site = make_site(code="OW-1")
    _login(client, users["Super Admin"])
    assert client.get("/openwisp/").status_code == 200
    answer = client.post(
        "/openwisp/",
        {
            "site": site.pk,
            "enabled": "on",
            "base_url": openwisp_sim.url,
            "username": "erp-api",
            "password": PASSWORD,
            "timeout_seconds": 5,
        },
    )
    assert answer.status_code == 302
    config = OpenWispSettings.objects.get(site=site)
    assert config.enabled and config.get_password() == PASSWORD
    page = client.get("/openwisp/").content.decode()
    assert openwisp_sim.url in page and PASSWORD not in page
    assert config.password_encrypted not in page
    # bad input: a clear error, nothing changed
    answer = client.post(
        "/openwisp/",
        {"site": site.pk, "base_url": "not a url", "username": "x", "timeout_seconds": 500},
    )
    assert answer.status_code == 400
    assert OpenWispSettings.objects.get(site=site).base_url == openwisp_sim.url


@pytest.mark.django_db
def test_who_may_see_and_configure(client, users):
    _login(client, users["Technical"])
    page = client.get("/openwisp/")
    assert page.status_code == 200 and b"openwisp-settings-form" not in page.content
    assert client.post("/openwisp/", {"base_url": "http://x"}).status_code == 403
    for role in ("Agent", "Sales", "Finance", "Marketing"):
        client.logout()
        _login(client, users[role])
        assert client.get("/openwisp/").status_code == 403, role


@pytest.mark.django_db
def test_a_match_is_decided_from_the_page(
    client, users, make_openwisp_sim, openwisp_site, admin_user, asset_types
):
    server = make_openwisp_sim(devices=1)
    twins = [
        asset_services.create_asset(
            actor=admin_user,
            asset_type=asset_types["access-point"],
            serial_number=f"T-{i}",
            mac_address=server.state.devices[0]["mac_address"],
        )
        for i in range(2)
    ]
    services.discover(openwisp_site(server))
    conflict = MatchConflict.objects.get()
    _login(client, users["Technical"])
    page = client.get("/openwisp/").content.decode()
    assert "T-0" in page and "T-1" in page
    answer = client.post(f"/openwisp/conflicts/{conflict.pk}/decide/", {"choice": twins[1].pk})
    assert answer.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.LINKED
    assert conflict.device.asset == twins[1]


@pytest.mark.django_db
def test_discover_now_queues_the_run_and_refuses_a_site_switched_off(
    client, users, openwisp_sim, openwisp_site, eager_celery, django_capture_on_commit_callbacks
):
    from erp.integrations.openwisp.models import DiscoveryRun

    config = openwisp_site(openwisp_sim)
    client.force_login(users["Technical"])
    assert client.post(f"/openwisp/{config.pk}/discover/").status_code == 403
    client.force_login(users["Super Admin"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/openwisp/{config.pk}/discover/")
    assert answer.status_code == 302
    run = DiscoveryRun.objects.get()
    assert run.found == 12 and run.new == 12
    OpenWispSettings.objects.filter(pk=config.pk).update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/openwisp/{config.pk}/discover/")
    assert DiscoveryRun.objects.count() == 1
