import pytest

from erp.messaging import services
from erp.messaging.simulator.android import AndroidGatewaySimulator
from erp.messaging.throttle import redis_client


@pytest.fixture
def phone_sim():
    sim = AndroidGatewaySimulator(send_delay=0.0).start()
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _clean_throttles():
    client = redis_client()
    if client is not None:
        for key in client.scan_iter("sms:throttle:*"):
            client.delete(key)
    yield


@pytest.fixture
def gateway(db, phone_sim):
    return services.create_gateway(
        name="Phone",
        base_url=phone_sim.url,
        username=phone_sim.username,
        password=phone_sim.password,
        webhook_key=phone_sim.signing_key,
        is_default=True,
    )
