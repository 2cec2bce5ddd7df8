"""Agents see only their own records; another agent's record is a 404, not the record."""

import pytest

from erp.accounts.roles import Role
from erp.clients.models import Client


@pytest.fixture
def two_agents(make_user, make_site, make_client):
    alice, bob = make_user(Role.AGENT, "alice"), make_user(Role.AGENT, "bob")
    site_a = make_site(name="A", code="AAA", agents=[alice])
    site_b = make_site(name="B", code="BBB", agents=[bob])
    return {
        "alice": alice,
        "bob": bob,
        "site_a": site_a,
        "site_b": site_b,
        "client_a": make_client(site=site_a, actor=alice, name="Alice's"),
        "client_b": make_client(site=site_b, actor=bob, name="Bob's"),
    }


@pytest.mark.django_db
def test_agent_lists_only_own_clients_and_sites(two_agents, api):
    client = api(two_agents["alice"])
    clients = client.get("/api/v1/clients/").json()["results"]
    sites = client.get("/api/v1/sites/").json()["results"]
    assert [c["name"] for c in clients] == ["Alice's"]
    assert [s["code"] for s in sites] == ["AAA"]


@pytest.mark.django_db
def test_other_agents_client_is_404_and_untouched(two_agents, api):
    client = api(two_agents["alice"])
    other = two_agents["client_b"]
    assert client.get(f"/api/v1/clients/{other.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/clients/{other.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    other.refresh_from_db()
    assert other.name == "Bob's"
    assert client.get(f"/api/v1/sites/{two_agents['site_b'].pk}/").status_code == 404


@pytest.mark.django_db
def test_agent_cannot_register_client_at_another_agents_site(two_agents, api):
    client = api(two_agents["alice"])
    before = Client.objects.count()
    response = client.post(
        "/api/v1/clients/",
        {"site": str(two_agents["site_b"].pk), "phone": "0754000123"},
        format="json",
    )
    assert response.status_code == 400
    assert "site" in response.json()
    assert Client.objects.count() == before


@pytest.mark.django_db
def test_agent_cannot_give_own_client_to_someone_else(two_agents, api):
    response = api(two_agents["alice"]).post(
        "/api/v1/clients/",
        {
            "site": str(two_agents["site_a"].pk),
            "phone": "0754000124",
            "agent": str(two_agents["bob"].pk),
        },
        format="json",
    )
    assert response.status_code == 201
    assert Client.objects.get(pk=response.json()["id"]).agent == two_agents["alice"]


@pytest.mark.django_db
def test_scoped_staff_see_only_their_sites(make_user, two_agents, api):
    sales = make_user(Role.SALES, "scoped-sales")
    sales.site_scope.set([two_agents["site_b"]])
    names = [c["name"] for c in api(sales).get("/api/v1/clients/").json()["results"]]
    assert names == ["Bob's"]


@pytest.mark.django_db
def test_ui_pages_of_another_agents_records_are_404(client, two_agents):
    client.force_login(two_agents["alice"])
    other = two_agents["client_b"]
    assert client.get(f"/customers/client/{other.pk}/detail/").status_code == 404
    assert client.get(f"/customers/client/{other.pk}/change/").status_code == 404
    assert client.get(f"/network/site/{two_agents['site_b'].pk}/detail/").status_code == 404
    own = client.get(f"/customers/client/{two_agents['client_a'].pk}/detail/")
    assert own.status_code == 200


@pytest.mark.django_db
def test_scoped_technician_sees_assets_of_own_sites_and_stock_only(
    make_user, make_site, api, asset_types
):
    from erp.assets.services import create_asset

    admin = make_user(Role.SUPER_ADMIN, "boss")
    mine, other = make_site(name="Mine", code="MINE"), make_site(name="Other", code="OTHER")
    tech = make_user(Role.TECHNICAL, "scoped-tech")
    tech.site_scope.set([mine])
    router = asset_types["router"]

    def asset(serial, site=None):
        return create_asset(
            actor=admin, site=site, reason="i", asset_type=router, serial_number=serial
        )

    asset("AT-MINE", mine)
    theirs = asset("AT-OTHER", other)
    asset("IN-STOCK")
    client = api(tech)
    listed = {a["serial_number"] for a in client.get("/api/v1/assets/").json()["results"]}
    assert listed == {"AT-MINE", "IN-STOCK"}
    assert client.get(f"/api/v1/assets/{theirs.pk}/").status_code == 404
    moved = client.post(
        f"/api/v1/assets/{theirs.pk}/move/", {"to_status": "in_stock", "reason": "x"}, format="json"
    )
    assert moved.status_code == 404
    theirs.refresh_from_db()
    assert theirs.site == other
    movements = client.get("/api/v1/asset-movements/").json()["results"]
    assert {m["asset"] for m in movements} == {
        a["id"] for a in client.get("/api/v1/assets/").json()["results"]
    }
