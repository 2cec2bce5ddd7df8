"""A voucher is for sale only once its hotspot user is on its router: a code of a batch still
being pushed is refused (service, API, POS page), the POS says how many are still waiting for
the router, and once the push is acknowledged the same code sells."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.mikrotik.services import push_pending_users, sync_profiles
from erp.sales import selectors, services
from erp.sales.models import Sale
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.router_fixtures import sim_users

NOT_YET = "This voucher is not on the router yet (its batch is still being pushed)."


@pytest.fixture
def pushing(sim_router, users, admin_user):
    """An agent's batch of 6, generated and queued for its router, not pushed yet."""
    router, simulated = sim_router()
    agent = users[Role.AGENT]
    router.site.agents.add(agent)
    package = voucher_services.save_package(
        actor=admin_user,
        name="3 Hours",
        price=Decimal("700"),
        validity_seconds=3 * 3600,
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=6, preapproved=True, agent=agent
    )
    voucher_services.generate_batch(batch)
    voucher_services.queue_batch_push(batch)
    codes = sorted(Voucher.objects.filter(batch=batch).values_list("code", flat=True))
    return {
        "router": router,
        "simulated": simulated,
        "package": package,
        "agent": agent,
        "codes": codes,
    }


def _sell(user, **kw):
    return services.sell(seller=user, idempotency_key=uuid.uuid4(), payment_method="cash", **kw)


@pytest.mark.django_db
def test_a_voucher_still_being_pushed_is_refused_and_sells_once_on_the_router(
    pushing, simulator, api
):
    agent, code = pushing["agent"], pushing["codes"][0]
    assert selectors.seller_stock(agent).count() == 0
    assert selectors.sellable_stock(agent) == [
        {
            "package": pushing["package"].pk,
            "package__name": "3 Hours",
            "package__price": Decimal("700.00"),
            "count": 0,
            "waiting": 6,
        }
    ]

    with pytest.raises(services.NotOnRouter, match=r"not on the router yet"):
        _sell(agent, code=code)
    with pytest.raises(services.NotOnRouter, match="6 are still being pushed"):
        _sell(agent, package=pushing["package"])
    refused = api(agent).post(
        "/api/v1/sales/",
        {"code": code, "payment_method": "cash", "client_phone": "0754123456"},
        format="json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 409 and refused.json()["detail"] == NOT_YET
    assert not Sale.objects.exists() and not Client.objects.exists()  # nothing half done
    assert Voucher.objects.get(code=code).status == "unused"

    sync_profiles(pushing["router"])
    push_pending_users(pushing["router"])
    assert code in {u["name"] for u in sim_users(simulator, pushing["simulated"])}
    sale, created = _sell(agent, code=code)
    assert created and sale.voucher.code == code
    assert Voucher.objects.get(code=code).status == "sold"
    assert selectors.sellable_stock(agent)[0]["count"] == 5
    assert selectors.sellable_stock(agent)[0]["waiting"] == 0


@pytest.mark.django_db
def test_the_pos_shows_how_many_are_waiting_for_the_router(pushing, client):
    client.force_login(pushing["agent"])
    text = client.get("/pos/").content.decode()
    assert "0 left" in text and "6 waiting for the router" in text

    key = text.split('name="idempotency_key" value="')[1].split('"')[0]
    answer = client.post(
        "/pos/",
        {"idempotency_key": key, "package": str(pushing["package"].pk), "payment_method": "cash"},
        follow=True,
    )
    assert "6 are still being pushed" in answer.content.decode()
    assert not Sale.objects.exists()
