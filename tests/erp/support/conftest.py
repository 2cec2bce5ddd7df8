from __future__ import annotations

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
