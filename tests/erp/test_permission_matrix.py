"""Every API endpoint of the foundation × every role: allowed calls work, refused calls get a
403 and change nothing."""

from __future__ import annotations

import pytest

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.assets.models import Asset, AssetType
from erp.assets.services import create_asset
from erp.clients.models import Client
from erp.sites.models import Router, Site
from tests.conftest import PASSWORD
from tests.erp.accounts.test_roles import ASSETS, EXPECTED

RESOURCES = {
    "sites": ("sites", "site", Site),
    "routers": ("sites", "router", Router),
    "clients": ("clients", "client", Client),
    "users": ("accounts", "user", User),
    "assets": ("assets", "asset", Asset),
}
OPERATIONS = ["list", "retrieve", "create", "update", "delete"]
PERM_FOR_OP = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "delete": "delete",
}


@pytest.fixture
def world(users, make_site, make_router, make_client):
    agent = users[Role.AGENT]
    site = make_site(name="Kariakoo", code="DAR-KKO", agents=[agent])
    spare = make_site(name="Spare", code="SPARE-1", agents=[agent])
    router = make_router(site=site, name="kko-1")
    client = make_client(site=site, actor=agent, name="Said", phone="+255754111222")
    asset = create_asset(
        actor=users[Role.SUPER_ADMIN],
        site=site,
        reason="installed",
        asset_type=AssetType.objects.get(code="switch"),
        serial_number="SW-1",
        model="CSS610",
    )
    return {
        "site": site,
        "spare_site": spare,
        "router": router,
        "client": client,
        "agent": agent,
        "asset": asset,
    }


def _target(world, resource, users):
    return {
        "sites": world["spare_site"],  # deletable: nothing depends on it
        "routers": world["router"],
        "clients": world["client"],
        "users": users[Role.FINANCE],
        "assets": world["asset"],
    }[resource]


def _payload(resource, op, world):
    site = str(world["site"].pk)
    if op == "create":
        return {
            "sites": {"name": "New site", "code": "NEW-01"},
            "routers": {
                "site": site,
                "name": "new-router",
                "host": "10.0.0.9",
                "username": "api",
                "password": "pw-Secret-1",
            },
            "clients": {"site": site, "phone": "0754000999", "name": "New client"},
            "users": {"username": "newbie", "password": PASSWORD, "role": "Agent"},
            "assets": {
                "asset_type": str(AssetType.objects.get(code="ups").pk),
                "serial_number": "UPS-9",
                "model": "New",
            },
        }[resource]
    return {
        "sites": {"name": "Renamed"},
        "routers": {"name": "renamed"},
        "clients": {"name": "Renamed"},
        "users": {"first_name": "Renamed"},
        "assets": {"model": "Renamed"},
    }[resource]


def _label(obj) -> str:
    if isinstance(obj, Asset):
        return obj.model
    return getattr(obj, "name", None) or getattr(obj, "first_name", "")


def _snapshot(model):
    return sorted((str(obj.pk), _label(obj)) for obj in model._default_manager.all())


CASES = [
    (role, res, op)
    for role in Role.values
    for res in RESOURCES
    for op in OPERATIONS
    # Users and assets are never deleted (deactivated, retired): no delete route.
    if not (res in ("users", "assets") and op == "delete")
]


@pytest.mark.django_db
@pytest.mark.parametrize("role,resource,op", CASES)
def test_permission_matrix(role, resource, op, users, world, api):
    app_label, model_name, model = RESOURCES[resource]
    granted = EXPECTED[role] | ASSETS.get(role, set())
    allowed = f"{app_label}.{PERM_FOR_OP[op]}_{model_name}" in granted
    client = api(users[role])
    target = _target(world, resource, users)
    base = f"/api/v1/{resource}/"
    detail = f"{base}{target.pk}/"
    before = _snapshot(model)

    if op == "list":
        response = client.get(base)
    elif op == "retrieve":
        response = client.get(detail)
    elif op == "create":
        response = client.post(base, _payload(resource, op, world), format="json")
    elif op == "update":
        response = client.patch(detail, _payload(resource, op, world), format="json")
    else:
        response = client.delete(detail)

    if not allowed:
        assert response.status_code == 403, response.content
        assert _snapshot(model) == before
        return

    expected_status = {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204}[
        op
    ]
    assert response.status_code == expected_status, response.content
    if op == "list":
        ids = {row["id"] for row in response.json()["results"]}
        assert str(target.pk) in ids
    elif op == "retrieve":
        assert response.json()["id"] == str(target.pk)
    elif op == "create":
        assert len(_snapshot(model)) == len(before) + 1
    elif op == "update":
        target.refresh_from_db()
        assert _label(target).lower() == "renamed"
    else:
        assert not model._default_manager.filter(pk=target.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource", ["sites", "routers", "clients", "users", "me", "assets", "asset-movements"]
)
def test_anonymous_gets_401(resource, api, world):
    path = "/api/v1/me/" if resource == "me" else f"/api/v1/{resource}/"
    assert api().get(path).status_code == 401
