import pytest

from erp.integrations.openwisp.simulator.server import serve

USER, PASSWORD = "erp-api", "s3cret-openwisp-pass"


@pytest.fixture
def openwisp_sim():
    """A started OpenWISP simulator (12 devices) on a free port; stopped after the test."""
    server = serve(username=USER, password=PASSWORD, devices=12).start_in_thread()
    yield server
    server.stop()


@pytest.fixture
def make_openwisp_sim():
    started = []

    def make(**options):
        options.setdefault("username", USER)
        options.setdefault("password", PASSWORD)
        server = serve(**options).start_in_thread()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def openwisp_site(make_site, admin_user, asset_types):
    """A site with OpenWISP switched on, pointed at a given simulator."""
    from erp.integrations.openwisp import services

    def make(server, **fields):
        site = make_site(**fields)
        return services.save_settings(
            actor=admin_user,
            site=site,
            enabled=True,
            base_url=server.url,
            username=USER,
            password=PASSWORD,
            timeout_seconds=5,
        )

    return make
