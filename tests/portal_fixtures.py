"""A site whose office stock is on its (simulated) router: what the captive portal sells
online and what its customers log in with. Import the fixtures into a test module."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.mikrotik.services import push_pending_users, sync_profiles
from erp.sales import services as sales_services
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher


@pytest.fixture
def online_stock(sim_router, admin_user, users):
    """A router on the simulator with office stock (no agent) of two packages, pushed; and an
    agent's batch of the first package, pushed too.

    make(count=…) builds it; returns a dict with router, simulated, site, packages, codes."""

    def make(count: int = 4, agent_count: int = 2) -> dict:
        router, simulated = sim_router()
        site = router.site
        agent = users[Role.AGENT]
        site.agents.add(agent)
        hour = voucher_services.save_package(
            actor=admin_user,
            name=f"1 Hour {uuid.uuid4().hex[:4]}",
            price=Decimal("500"),
            validity_seconds=3600,
            sites=[site],
        )
        day = voucher_services.save_package(
            actor=admin_user,
            name=f"1 Day {uuid.uuid4().hex[:4]}",
            price=Decimal("1000"),
            validity_seconds=86400,
            sites=[site],
        )
        for package, quantity, holder in (
            (hour, count, None),
            (day, count, None),
            (hour, agent_count, agent),
        ):
            if not quantity:
                continue
            batch = voucher_services.request_batch(
                actor=None,
                package=package,
                router=router,
                quantity=quantity,
                preapproved=True,
                agent=holder,
            )
            voucher_services.generate_batch(batch)
            voucher_services.queue_batch_push(batch)
        sync_profiles(router)
        push_pending_users(router)
        return {
            "router": router,
            "simulated": simulated,
            "site": site,
            "hour": hour,
            "day": day,
            "agent": agent,
            "agent_codes": sorted(
                Voucher.objects.filter(agent=agent, router=router).values_list("code", flat=True)
            ),
        }

    return make


def agent_sells(stock: dict, code: str):
    """The agent sells a voucher by code (cash): the everyday way a customer gets one."""
    sale, _created = sales_services.sell(
        seller=stock["agent"], idempotency_key=uuid.uuid4(), payment_method="cash", code=code
    )
    return sale


WAVE_KEY = "wave_sn_prod_test-key"
WAVE_SECRET = "wave_sn_WHS_test-secret"


@pytest.fixture
def wave():
    """A Wave Checkout simulator on a real socket and our provider account pointing at it.

    Returns a namespace: server, state (faults, sessions, webhooks sent), account(), url."""
    import types

    from erp.payments.models import ProviderAccount
    from erp.payments.simulator.wave import serve

    server = serve(api_key=WAVE_KEY, webhook_secrets=[WAVE_SECRET]).start_in_thread()

    def account(**fields) -> ProviderAccount:
        found = ProviderAccount.objects.filter(name="Wave").first()
        if found is not None:
            return found
        made = ProviderAccount(
            name="Wave", provider="wave", api_base_url=server.url, currency="XOF", **fields
        )
        made.set_api_key(WAVE_KEY)
        made.set_webhook_secret(WAVE_SECRET)
        made.save()
        return made

    yield types.SimpleNamespace(server=server, state=server.state, url=server.url, account=account)
    server.stop()
