"""A PortaBilling simulator on a real socket and a site billed through it."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest

LOGIN, PASSWORD = "viornet-api", "porta-Secret-42"


@pytest.fixture
def porta():
    from erp.integrations.portabilling.simulator import serve

    server = serve(login=LOGIN, password=PASSWORD).start_in_thread()
    yield types.SimpleNamespace(server=server, state=server.state, url=server.url)
    server.stop()


@pytest.fixture
def porta_site(porta, admin_user, sim_router):
    """A router's site with PortaBilling on, pointing at the simulator, and a package."""
    from erp.integrations.portabilling import services
    from erp.vouchers import services as voucher_services

    router, simulated = sim_router()
    config = services.save_settings(
        actor=admin_user,
        site=router.site,
        password=PASSWORD,
        enabled=True,
        api_url=porta.url,
        login=LOGIN,
        i_customer=1,
        i_product=1,
        i_account_role=4,
        timeout_seconds=2,
        parallel=4,
        credit_online_payments=True,
    )
    package = voucher_services.save_package(
        actor=admin_user, name="Day pass", price=Decimal("1000.00"), validity_seconds=86400
    )
    package.sites.add(router.site)
    return types.SimpleNamespace(
        config=config, router=router, simulated=simulated, site=router.site, package=package
    )
