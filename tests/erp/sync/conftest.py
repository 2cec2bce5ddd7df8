"""A field agent with stock on the router, and helpers to build pushed operations."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.clients import services as client_services
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.conftest import put_on_router


@pytest.fixture
def field(make_router, make_user, admin_user):
    """Two agents at one site, 20 vouchers each (on the router), 10 in office stock."""
    router = make_router()
    agent, other = make_user(Role.AGENT), make_user(Role.AGENT)
    router.site.agents.add(agent, other)
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=50, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    codes = list(Voucher.objects.filter(batch=batch).order_by("code").values_list("pk", flat=True))
    voucher_services.assign_to_agent(
        actor=admin_user, agent=agent, vouchers=Voucher.objects.filter(pk__in=codes[:20])
    )
    voucher_services.assign_to_agent(
        actor=admin_user, agent=other, vouchers=Voucher.objects.filter(pk__in=codes[20:40])
    )
    return {
        "router": router,
        "site": router.site,
        "package": package,
        "agent": agent,
        "other": other,
        "admin": admin_user,
        "mine": list(Voucher.objects.filter(agent=agent).order_by("code")),
        "theirs": list(Voucher.objects.filter(agent=other).order_by("code")),
        "office": list(Voucher.objects.filter(agent__isnull=True).order_by("code")),
    }


class Phone:
    """A device's queue: numbered operations with their own UUIDs."""

    def __init__(self, device_id=None):
        self.device_id = str(device_id or uuid.uuid4())
        self.seq = 0

    def op(self, op, entity, payload=None, id=None, client_time=None, seq=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {
            "device_id": self.device_id,
            "seq": seq,
            "op": op,
            "entity": entity,
            "id": str(id or uuid.uuid4()),
            "payload": payload if payload is not None else {},
        }
        if client_time is not None:
            body["client_time"] = client_time
        return body

    def sell(self, code, seq=None, **payload):
        payload.setdefault("payment_method", "cash")
        return self.op("sell", "sale", {"code": code, **payload}, seq=seq)

    def add_client(self, phone, name="", **payload):
        return self.op("create", "client", {"phone": phone, "name": name, **payload})


@pytest.fixture
def phone():
    return Phone()


@pytest.fixture
def build(make_router, make_user, admin_user):
    """A dataset: a site with an agent and another, `quantity` vouchers assigned to the agent
    (on the router), 20 phone numbers, the agent's client the office renamed, the other's client.
    Tests that compare two paths build two."""

    def make(quantity: int = 4):
        router = make_router()
        agent, other = make_user(Role.AGENT), make_user(Role.AGENT)
        router.site.agents.add(agent, other)
        package = voucher_services.save_package(
            actor=admin_user,
            name=f"1 Day {uuid.uuid4().hex[:6]}",
            price=Decimal("1000"),
            validity_seconds=86400,
            sites=[router.site],
        )
        batch = voucher_services.request_batch(
            actor=None, package=package, router=router, quantity=quantity, preapproved=True
        )
        voucher_services.generate_batch(batch)
        put_on_router(batch)
        voucher_services.assign_to_agent(
            actor=admin_user, agent=agent, vouchers=Voucher.objects.filter(batch=batch)
        )
        base = f"{random.randrange(10**5):05d}"  # noqa: S311 - test data
        phones = [f"+25571{base}{n:02d}" for n in range(20)]
        mine = client_services.create_client(
            actor=agent, site=router.site, phone=phones[0], name="Old"
        )
        # the office renamed the agent's client while the phone was offline
        client_services.update_client(actor=admin_user, client=mine, name="Office")
        theirs = client_services.create_client(actor=other, site=router.site, phone=phones[1])
        elsewhere = make_router().site
        return {
            "agent": agent,
            "other": other,
            "site": router.site,
            "elsewhere": elsewhere,
            "package": package,
            "codes": list(
                Voucher.objects.filter(batch=batch).order_by("code").values_list("code", flat=True)
            ),
            "phones": phones,
            "mine": mine,
            "theirs": theirs,
        }

    return make
