"""Vouchers over the API: request → approve → generated and pushed; lookup; stock; void."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.vouchers import services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch
from tests.router_fixtures import sim_users


@pytest.fixture
def world(sim_router, users, admin_user):
    router, simulated = sim_router()
    router.site.agents.add(users[Role.AGENT])
    package = services.save_package(
        actor=admin_user,
        name="Day 5M",
        price=Decimal("1000"),
        validity_seconds=86400,
        rate_limit="5M/5M",
        sites=[router.site],
    )
    return {"router": router, "simulated": simulated, "package": package}


def _request(client, world, **extra):
    return client.post(
        "/api/v1/voucher-batches/",
        {"package": str(world["package"].pk), "router": str(world["router"].pk), **extra},
        format="json",
    )


@pytest.mark.django_db
def test_request_approve_generate_push(api, users, world, simulator, eager_celery):
    sales, finance = api(users[Role.SALES]), api(users[Role.FINANCE])
    requested = _request(sales, world, quantity=30, agent=str(users[Role.AGENT].pk))
    assert requested.status_code == 201, requested.json()
    batch_id = requested.json()["id"]
    assert requested.json()["status"] == BatchStatus.REQUESTED

    own = sales.post(
        f"/api/v1/voucher-batches/{batch_id}/decide/", {"approve": True}, format="json"
    )
    assert own.status_code == 403  # Sales may not decide at all

    with django_on_commit_immediately():
        decided = finance.post(
            f"/api/v1/voucher-batches/{batch_id}/decide/",
            {"approve": True, "comment": "ok"},
            format="json",
        )
    assert decided.status_code == 200
    batch = VoucherBatch.objects.get(pk=batch_id)
    assert batch.status == BatchStatus.READY and batch.pushed_count == 30
    assert len(sim_users(simulator, world["simulated"])) == 30

    mine = api(users[Role.AGENT]).get("/api/v1/vouchers/").json()["results"]
    assert len(mine) == 30 and {v["package_name"] for v in mine} == {"Day 5M"}


def django_on_commit_immediately():
    from django.test import TestCase

    class Run:
        def __enter__(self):
            self.cm = TestCase.captureOnCommitCallbacks(execute=True)
            return self.cm.__enter__()

        def __exit__(self, *exc):
            return self.cm.__exit__(*exc)

    return Run()


@pytest.mark.django_db
def test_self_approval_refused_even_for_super_admin(api, users, world):
    admin = api(users[Role.SUPER_ADMIN])
    batch_id = _request(admin, world, quantity=5).json()["id"]
    refused = admin.post(
        f"/api/v1/voucher-batches/{batch_id}/decide/", {"approve": True}, format="json"
    )
    assert refused.status_code == 403  # who asks, not what was asked
    assert "you requested" in refused.json()["detail"]
    assert VoucherBatch.objects.get(pk=batch_id).status == BatchStatus.REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload,field",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 100_001}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": 5, "code_length": 6}, "code_length"),
    ],
)
def test_bad_requests_are_400_and_create_nothing(api, users, world, payload, field):
    response = _request(api(users[Role.SALES]), world, **payload)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not VoucherBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.SALES, True),
        (Role.MARKETING, True),
        (Role.SUPER_ADMIN, True),
        (Role.FINANCE, False),
        (Role.TECHNICAL, False),
        (Role.AGENT, False),
    ],
)
def test_who_may_request_batches(api, users, world, role, allowed):
    response = _request(api(users[role]), world, quantity=3)
    assert response.status_code == (201 if allowed else 403)
    assert VoucherBatch.objects.count() == (1 if allowed else 0)


@pytest.mark.django_db
def test_lookup_assign_and_void(api, users, world, make_user):
    batch = services.request_batch(
        actor=None, package=world["package"], router=world["router"], quantity=4, preapproved=True
    )
    services.generate_batch(batch)
    code = Voucher.objects.filter(batch=batch).order_by("code").first().code
    sales = api(users[Role.SALES])
    spaced = " ".join([code[:4], code[4:8].lower(), code[8:]])
    found = sales.get("/api/v1/vouchers/lookup/", {"code": spaced})
    assert found.status_code == 200 and found.json()["code"] == code
    assert sales.get("/api/v1/vouchers/lookup/", {"code": ""}).status_code == 400

    # The agent cannot see office stock
    agent = api(users[Role.AGENT])
    assert agent.get("/api/v1/vouchers/lookup/", {"code": code}).status_code == 404
    assigned = sales.post(
        "/api/v1/vouchers/assign/",
        {
            "agent": str(users[Role.AGENT].pk),
            "package": str(world["package"].pk),
            "site": str(world["router"].site.pk),
            "count": 3,
        },
        format="json",
    )
    assert assigned.json() == {"assigned": 3}
    assert len(agent.get("/api/v1/vouchers/").json()["results"]) == 3
    assert (
        agent.post(
            "/api/v1/vouchers/assign/",
            {"agent": str(users[Role.AGENT].pk), "batch": str(batch.pk)},
            format="json",
        ).status_code
        == 403
    )
    both_ways = sales.post(
        "/api/v1/vouchers/assign/",
        {"agent": str(users[Role.AGENT].pk), "batch": str(batch.pk), "count": 2},
        format="json",
    )
    assert both_ways.status_code == 400

    voided = sales.post(
        f"/api/v1/vouchers/{Voucher.objects.get(code=code).pk}/void/",
        {"reason": "card lost"},
        format="json",
    )
    assert voided.status_code == 200 and voided.json()["status"] == "void"
    assert [e["kind"] for e in voided.json()["events"]][-1] == "voided"
    again = sales.post(
        f"/api/v1/vouchers/{Voucher.objects.get(code=code).pk}/void/",
        {"reason": "again"},
        format="json",
    )
    assert again.status_code == 400 and "void cannot become void" in str(again.json())
