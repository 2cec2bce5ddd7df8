"""Two sites, each with a router, a package of 1000 and ten vouchers in the agent's hands."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.sales import services as sales
from erp.sales.models import CommissionRule
from erp.vouchers import services as vouchers
from tests.conftest import put_on_router


@pytest.fixture
def two_sites(make_router, users, admin_user):
    routers = [make_router(), make_router()]
    packages = []
    for router in routers:
        router.site.agents.add(users[Role.AGENT])
        package = vouchers.save_package(
            actor=admin_user,
            name=f"Day {router.site.code}",
            price=Decimal("1000"),
            validity_seconds=86400,
            sites=[router.site],
        )
        batch = vouchers.request_batch(
            actor=None,
            package=package,
            router=router,
            quantity=10,
            preapproved=True,
            agent=users[Role.AGENT],
        )
        vouchers.generate_batch(batch)
        put_on_router(batch)
        packages.append(package)
    CommissionRule.objects.create(percent=Decimal("10"))
    return {"sites": [r.site for r in routers], "packages": packages}


@pytest.fixture
def sold(two_sites, users):
    """One cash sale by the agent of each site's package (today)."""
    agent = users[Role.AGENT]
    return [
        sales.sell(seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=p)[0]
        for p in two_sites["packages"]
    ]
