"""Shared fixtures: one user per role, sites/routers/clients made through the services.

Tests run on whatever DATABASE_URL / REDIS_URL say; CI sets PostgreSQL and Redis. A test that
needs PostgreSQL or Chromium is skipped elsewhere with a reason, but fails in CI (CI=true):
nothing is silently skipped there.
"""

from __future__ import annotations

import importlib
import os
import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from erp.accounts.roles import Role

# The RouterOS simulator and routers pointing at it, for every test package.
pytest_plugins = ["tests.router_fixtures", "tests.smtp_fixtures", "tests.portal_fixtures"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Str0ng-test-passw0rd"


def require(condition: bool, reason: str) -> None:
    """Skip with a reason on a developer's machine; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def put_on_router(batch) -> None:
    """As if a generated batch had been pushed and its router had acknowledged every user: a
    voucher is for sale only then. For tests about selling, not about pushing."""
    from django.utils import timezone

    from erp.mikrotik.models import HotspotUser
    from erp.vouchers.models import Voucher
    from erp.vouchers.services import queue_batch_push

    queue_batch_push(batch)
    HotspotUser.objects.filter(
        router_id=batch.router_id, name__in=Voucher.objects.filter(batch=batch).values("code")
    ).update(sync_state="synced", synced_at=timezone.now())


@pytest.fixture
def postgres_only(db):
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(scope="session")
def chromium_path():
    require(bool(shutil.which(CHROMIUM)), f"needs Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(autouse=True)
def _demo_router_ports(monkeypatch):
    """seed_demo serves its demo routers' ports while it pushes (erp.demo): in tests, ports
    nobody else uses, never a developer's running `make run` simulator on 8728. Chosen for
    each test, just before it runs: a block chosen once for the session was found taken
    half an hour later."""
    if "ROUTER_SIM_PORT" not in os.environ:
        from erp.demo.management.commands.seed_demo import SITES
        from tests.ports import free_port as _free_port

        monkeypatch.setenv("ROUTER_SIM_PORT", str(_free_port(len(SITES))))
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.3 s a password by design; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request served by the test client leaves its reader's language active in this thread
    (a Swahili user's page, then a test that reads an English error); start each test clean."""
    yield
    translation.deactivate()


@pytest.fixture
def roles(db):
    """The role groups with their permissions from the role matrix. Migrate makes them (and a
    transactional test's flush makes them again, through the same post_migrate hook); this
    makes sure, as `manage.py sync_roles_and_schedules` would."""
    from erp.accounts.services import sync_roles

    sync_roles()
    return {group.name: group for group in Group.objects.filter(name__in=Role.values)}


@pytest.fixture
def make_user(roles):
    from erp.accounts.services import create_user

    counter = {"n": 0}

    def make(role: str = Role.AGENT, username: str | None = None, **fields):
        counter["n"] += 1
        return create_user(
            actor=None,
            username=username or f"{role.lower().replace(' ', '')}{counter['n']}",
            password=PASSWORD,
            role=role,
            **fields,
        )

    return make


@pytest.fixture
def users(make_user):
    """One user per role, keyed by role name."""
    return {role: make_user(role, username=role.lower().replace(" ", "_")) for role in Role.values}


@pytest.fixture
def admin_user(users):
    return users[Role.SUPER_ADMIN]


@pytest.fixture
def make_site(admin_user):
    from erp.sites.services import create_site

    counter = {"n": 0}

    def make(**fields):
        counter["n"] += 1
        fields.setdefault("name", f"Site {counter['n']}")
        fields.setdefault("code", f"S-{counter['n']:03d}")
        return create_site(actor=admin_user, **fields)

    return make


@pytest.fixture
def make_router(admin_user, make_site):
    from erp.sites.services import create_router

    counter = {"n": 0}

    def make(site=None, password="r0uter-Secret!", **fields):
        counter["n"] += 1
        fields.setdefault("name", f"router-{counter['n']}")
        fields.setdefault("host", "127.0.0.1")
        fields.setdefault("username", "admin")
        return create_router(
            actor=admin_user, site=site or make_site(), password=password, **fields
        )

    return make


@pytest.fixture
def make_agent_stock(make_router, users, admin_user):
    """An agent holding vouchers on a router, for sale: a router (its site's agents include
    the agent), a package sold there, a batch made for the agent and acknowledged by the
    router (put_on_router). Returns agent, router, site, package and batch."""
    from decimal import Decimal

    from erp.vouchers import services as vouchers

    def make(
        *,
        agent=None,
        router=None,
        quantity: int = 5,
        name: str = "1 Hour",
        price: str = "500",
        validity_seconds: int = 3600,
    ) -> dict:
        router = router or make_router()
        agent = agent or users[Role.AGENT]
        router.site.agents.add(agent)
        package = vouchers.save_package(
            actor=admin_user,
            name=name,
            price=Decimal(price),
            validity_seconds=validity_seconds,
            sites=[router.site],
        )
        batch = vouchers.request_batch(
            actor=None,
            package=package,
            router=router,
            quantity=quantity,
            preapproved=True,
            agent=agent,
        )
        vouchers.generate_batch(batch)
        put_on_router(batch)
        return {
            "agent": agent,
            "router": router,
            "site": router.site,
            "package": package,
            "batch": batch,
        }

    return make


@pytest.fixture
def agent_with_stock(make_agent_stock):
    """The Agent holding five 1 Hour vouchers (500) on a router of a new site."""
    return make_agent_stock()


@pytest.fixture
def make_client(admin_user, make_site):
    from erp.clients.services import create_client

    counter = {"n": 0}

    def make(site=None, actor=None, **fields):
        counter["n"] += 1
        fields.setdefault("phone", f"+2557120{counter['n']:05d}")
        return create_client(actor=actor or admin_user, site=site or make_site(), **fields)

    return make


@pytest.fixture
def api():
    """An API client authenticated the way phones do: a real JWT access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token = RefreshToken.for_user(user).access_token
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return client_for


@pytest.fixture
def eager_celery():
    """Run Celery tasks inline, as the worker would (for tests that follow a task through)."""
    from erp.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def asset_types(db):
    """The seeded asset types by code. The data migration seeds them; a transactional test's
    flush removes them, so they are made again here if missing."""
    from erp.assets.models import AssetType

    seeded = importlib.import_module("erp.assets.migrations.0002_seed_asset_types").TYPES
    for code, name, has_mac in seeded:
        AssetType.objects.get_or_create(code=code, defaults={"name": name, "has_mac": has_mac})
    return {t.code: t for t in AssetType.objects.all()}
