"""A working day for the home page's workbench, made through the services.

``now`` is noon of the local today: every timestamp the figures depend on is set relative to
it, so the expected figures hold on any date and at any hour the tests run.

Two sites, A (Kariakoo) and B (Mbezi), each with a router; packages Day (1,000, both sites)
and Hour (500, site A); a 10 % commission. Agent ``agent`` works at A and B, ``agent2`` at B.

- sales by ``agent``: today 11:00 at A (cash); a week ago 10:00 at A (mobile money, counted
  in "last week up to noon"); a week ago 13:00 at A (after noon: not counted); yesterday at B.
- sales by ``agent2``: today 11:30 at B (mobile money); a remittance of 500 five days ago.
- stock: ``agent`` was given 10 Day at A (3 sold: 7 left) and 2 Day at B (1 sold: 1 left);
  ``agent2`` 10 Day at B (1 sold: 9 left); office stock 4 Hour at A and 3 Day at B.
- balances owed: ``agent`` 4 × 1,000 − 10 % = 3,600, never remitted; ``agent2`` 1,000 − 100 −
  500 = 400.
- batches: one waiting for approval at B, one approved (being generated) at A.
- expenses: 250,000 rent at A waiting for approval; 5,000 transport approved at once.
- router B down since 10:00 (monitoring opened its fault; due 11:30: overdue, in the queue).
- faults assigned to ``technician`` at A: one due 15:00, one due 11:00 and escalated.
- clients: at A, access ends in 3 days (agreed to marketing); at B, in 2 days (did not agree);
  at A, in 10 days (outside the 7 days).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.core import events
from erp.finance import services as finance
from erp.maintenance import services as maintenance
from erp.maintenance.models import Fault
from erp.mikrotik.services import record_status
from erp.sales import services as sales
from erp.sales.models import CommissionRule, Remittance, Sale
from erp.sites.models import Router
from erp.vouchers import services as vouchers
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import VoucherBatch
from tests.conftest import put_on_router
from workflows.fault_repair import services as process


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def noon_today() -> dt.datetime:
    return local(timezone.localdate(), 12)


def stock_batch(*, package, router, quantity, agent=None):
    batch = vouchers.request_batch(
        actor=None, package=package, router=router, quantity=quantity, preapproved=True, agent=agent
    )
    vouchers.generate_batch(batch)
    put_on_router(batch)  # for sale only once on its router
    VoucherBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.READY)
    return batch


def sell_at(seller, *, package, at, site=None, method="cash"):
    code = None
    if site is not None:  # the seller's next voucher of that package at that site
        from erp.sales.selectors import seller_stock

        code = seller_stock(seller).filter(package=package, site=site).order_by("pk")[0].code
    sale, _ = sales.sell(
        seller=seller,
        idempotency_key=uuid.uuid4(),
        payment_method=method,
        payment_reference="MP-REF-1" if method == "mobile" else "",
        package=None if code else package,
        code=code,
    )
    Sale.objects.filter(pk=sale.pk).update(sold_at=at)
    return sale


def build_workday(
    *, users, make_user, make_site, make_router, make_client, now: dt.datetime
) -> dict:
    today = timezone.localdate(now)
    week_ago = today - dt.timedelta(days=7)
    admin, finance_user = users[Role.SUPER_ADMIN], users[Role.FINANCE]
    agent, technician = users[Role.AGENT], users[Role.TECHNICAL]
    agent2 = make_user(Role.AGENT, "agent_two")

    site_a = make_site(name="Kariakoo", code="DAR-KKO", agents=[agent])
    site_b = make_site(name="Mbezi", code="DAR-MBZ", agents=[agent, agent2])
    router_a = make_router(site=site_a, name="kko-hap")
    router_b = make_router(site=site_b, name="mbz-hap")

    day = vouchers.save_package(
        actor=admin,
        name="Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[site_a, site_b],
    )
    hour = vouchers.save_package(
        actor=admin, name="Hour", price=Decimal("500"), validity_seconds=3600, sites=[site_a]
    )
    CommissionRule.objects.create(percent=Decimal("10"))

    stock_batch(package=day, router=router_a, quantity=10, agent=agent)
    stock_batch(package=day, router=router_b, quantity=2, agent=agent)
    stock_batch(package=day, router=router_b, quantity=10, agent=agent2)
    stock_batch(package=hour, router=router_a, quantity=4)
    stock_batch(package=day, router=router_b, quantity=3)

    sell_at(agent, package=day, site=site_a, at=local(today, 11))
    sell_at(agent, package=day, site=site_a, at=local(week_ago, 10), method="mobile")
    sell_at(agent, package=day, site=site_a, at=local(week_ago, 13))
    sell_at(agent, package=day, site=site_b, at=local(today - dt.timedelta(days=1), 15))
    sell_at(agent2, package=day, site=site_b, at=local(today, 11, 30), method="mobile")
    remittance = sales.record_remittance(
        actor=finance_user, agent=agent2, amount=Decimal("500"), method="cash"
    )
    Remittance.objects.filter(pk=remittance.pk).update(received_at=now - dt.timedelta(days=5))

    waiting = vouchers.request_batch(
        actor=users[Role.SALES], package=day, router=router_b, quantity=5
    )
    approved = vouchers.request_batch(
        actor=users[Role.SALES], package=hour, router=router_a, quantity=5
    )
    vouchers.decide_batch(actor=finance_user, batch=approved, approve=True)

    finance.record_expense(
        actor=finance_user,
        category="rent",
        site=site_a,
        amount=Decimal("250000"),
        spent_on=today,
        payee="Landlord",
    )
    finance.record_expense(
        actor=finance_user,
        category="transport",
        site=site_a,
        amount=Decimal("5000"),
        spent_on=today,
        payee="Boda",
    )

    record_status(router_b, up=False, message="timeout")
    # what the commit would set off: maintenance opens the router's fault
    events.deliver_due(now=timezone.now() + dt.timedelta(days=1))
    Router.objects.filter(pk=router_b.pk).update(status_changed_at=local(today, 10))
    monitoring = Fault.objects.get(router=router_b)
    Fault.objects.filter(pk=monitoring.pk).update(due_at=local(today, 11, 30))

    in_time = process.report(
        actor=users[Role.SALES], site=site_a, severity="major", description="AP reboots"
    )
    process.triage(actor=admin, fault=in_time, technician=technician)
    Fault.objects.filter(pk=in_time.pk).update(due_at=local(today, 15))
    late = process.report(
        actor=users[Role.SALES], site=site_a, severity="critical", description="Mast down"
    )
    process.triage(actor=admin, fault=late, technician=technician)
    Fault.objects.filter(pk=late.pk).update(due_at=local(today, 11))
    maintenance.escalate_fault(fault=late)

    soon = make_client(site=site_a, name="Asha", marketing_consent=True)
    sooner = make_client(site=site_b, name="Baraka")
    later = make_client(site=site_a, name="Chausiku", marketing_consent=True)
    for client, days in ((soon, 3), (sooner, 2), (later, 10)):
        Client.objects.filter(pk=client.pk).update(expires_at=now + dt.timedelta(days=days))

    return {
        "now": now,
        "sites": (site_a, site_b),
        "routers": (router_a, router_b),
        "packages": (day, hour),
        "agent2": agent2,
        "batches": {"waiting": waiting, "approved": approved},
        "faults": {"monitoring": monitoring, "in_time": in_time, "late": late},
    }
