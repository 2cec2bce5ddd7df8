"""Sites and routers: validation of bad input (nothing saved), history naming the user."""

from __future__ import annotations

import pytest

from erp.sites.models import Router, Site


@pytest.mark.django_db
def test_site_edit_creates_history_record_naming_the_user(api, users, make_site):
    from erp.accounts.roles import Role

    admin = users[Role.SUPER_ADMIN]
    site = make_site(name="Old name", code="HIST-1")
    response = api(admin).patch(f"/api/v1/sites/{site.pk}/", {"name": "New name"}, format="json")
    assert response.status_code == 200
    latest = site.history.latest()
    assert latest.name == "New name"
    assert latest.history_user == admin
    assert latest.history_type == "~"
    assert site.history.count() == 2
    assert site.history.earliest().name == "Old name"


@pytest.mark.django_db
def test_site_edit_in_ui_records_the_user(client, users, make_site):
    from erp.accounts.roles import Role

    admin = users[Role.SUPER_ADMIN]
    site = make_site(name="Old", code="UI-1")
    client.force_login(admin)
    response = client.post(
        f"/network/site/{site.pk}/change/",
        {
            "name": "Renamed in UI",
            "code": "UI-1",
            "status": "active",
            "language": "sw",
            "time_zone": "Africa/Dar_es_Salaam",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert site.history.latest().history_user == admin
    assert site.history.latest().name == "Renamed in UI"


BAD_SITES = [
    ({"name": "X", "code": "OK-1", "latitude": "91", "longitude": "10"}, "latitude"),
    ({"name": "X", "code": "OK-1", "latitude": "10", "longitude": "-181"}, "longitude"),
    ({"name": "X", "code": "OK-1", "latitude": "10"}, "longitude"),
    ({"name": "X", "code": "OK-1", "latitude": "north", "longitude": "10"}, "latitude"),
    ({"name": "X", "code": "lower case"}, "code"),
    ({"name": "", "code": "OK-1"}, "name"),
    ({"name": "X" * 500, "code": "OK-1"}, "name"),
    ({"name": "X", "code": "OK-1", "status": "exploded"}, "status"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", BAD_SITES)
def test_bad_site_is_400_with_field_message_and_nothing_saved(api, admin_user, payload, field):
    before = Site.objects.count()
    response = api(admin_user).post("/api/v1/sites/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Site.objects.count() == before


@pytest.mark.django_db
def test_duplicate_site_code_is_400(api, admin_user, make_site):
    make_site(code="DUP-1")
    response = api(admin_user).post("/api/v1/sites/", {"name": "x", "code": "DUP-1"}, format="json")
    assert response.status_code == 400 and "code" in response.json()


@pytest.mark.django_db
def test_only_agents_can_be_assigned_as_site_agents(api, users, admin_user):
    from erp.accounts.roles import Role

    response = api(admin_user).post(
        "/api/v1/sites/",
        {"name": "x", "code": "AG-1", "agents": [str(users[Role.FINANCE].pk)]},
        format="json",
    )
    assert response.status_code == 400 and "agents" in response.json()
    assert not Site.objects.filter(code="AG-1").exists()


BAD_ROUTERS = [
    ({"host": "999.1.1.1"}, "host"),
    ({"host": "bad host name"}, "host"),
    ({"host": ""}, "host"),
    ({"api_port": 0}, "api_port"),
    ({"api_port": 65536}, "api_port"),
    ({"api_port": "http"}, "api_port"),
    ({"password": ""}, "password"),
    ({"site": "00000000-0000-0000-0000-000000000000"}, "site"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("override,field", BAD_ROUTERS)
def test_bad_router_is_400_and_nothing_saved(api, admin_user, make_site, override, field):
    site = make_site()
    payload = {
        "site": str(site.pk),
        "name": "r",
        "host": "10.1.1.1",
        "username": "api",
        "password": "pw-1",
        **override,
    }
    response = api(admin_user).post("/api/v1/routers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Router.objects.count() == 0


@pytest.mark.django_db
def test_router_host_accepts_ip_v6_and_names(api, admin_user, make_site):
    site = make_site()
    for i, host in enumerate(["192.168.88.1", "fe80::1", "kko-router.example.net"]):
        response = api(admin_user).post(
            "/api/v1/routers/",
            {
                "site": str(site.pk),
                "name": f"r{i}",
                "host": host,
                "username": "api",
                "password": "pw-1",
                "api_port": 8729,
                "use_tls": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_same_router_name_twice_on_a_site_is_400(api, admin_user, make_router):
    router = make_router(name="core")
    response = api(admin_user).post(
        "/api/v1/routers/",
        {
            "site": str(router.site_id),
            "name": "core",
            "host": "10.0.0.2",
            "username": "a",
            "password": "pw",
        },
        format="json",
    )
    assert response.status_code == 400
    assert Router.objects.count() == 1


@pytest.mark.django_db
def test_deleting_a_site_with_routers_is_a_clear_409(api, admin_user, make_router):
    router = make_router()
    response = api(admin_user).delete(f"/api/v1/sites/{router.site_id}/")
    assert response.status_code == 409
    assert Site.objects.filter(pk=router.site_id).exists()


@pytest.mark.django_db
def test_bad_router_form_shows_errors_and_saves_nothing(client, admin_user, make_site):
    site = make_site()
    client.force_login(admin_user)
    response = client.post(
        "/network/router/add/",
        {
            "site": str(site.pk),
            "name": "r",
            "host": "not valid!",
            "api_port": "99999",
            "username": "api",
            "password": "pw",
            "hotspot_server": "all",
        },
    )
    assert response.status_code in (200, 422)
    body = response.content.decode()
    assert "Enter a valid IP address or host name." in body
    assert "Port must be between 1 and 65535." in body
    assert Router.objects.count() == 0
