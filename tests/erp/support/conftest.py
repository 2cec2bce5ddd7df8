from __future__ import annotations

import importlib

import pytest

from erp.messaging import services as messaging
from erp.messaging.simulator.android import AndroidGatewaySimulator
from erp.support import classifier


@pytest.fixture(autouse=True)
def _shipped_model(settings, tmp_path):
    """Each test starts from the model trained on the shipped set (no retrained file)."""
    settings.VAR_DIR = tmp_path
    classifier.reset()
    yield
    classifier.reset()


@pytest.fixture(autouse=True)
def _seeded_categories(request):
    """The categories the data migration seeds. A transactional test's flush removes them, and
    a later test would file every ticket under no category: make them again if missing."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from erp.support.models import Category

    seeded = importlib.import_module("erp.support.migrations.0002_seed_categories").CATEGORIES
    for slug, name, team, priority in seeded:
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "team": team, "default_priority": priority}
        )


@pytest.fixture
def phone_sim():
    sim = AndroidGatewaySimulator(send_delay=0.0).start()
    yield sim
    sim.stop()


@pytest.fixture
def gateway(db, phone_sim):
    return messaging.create_gateway(
        name="Phone",
        base_url=phone_sim.url,
        username=phone_sim.username,
        password=phone_sim.password,
        webhook_key=phone_sim.signing_key,
        is_default=True,
    )
