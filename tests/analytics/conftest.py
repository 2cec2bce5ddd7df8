"""A small fixed shop whose every figure was added up by hand (see the tests' expectations).

Two sites (A: agent one, B: agent two), three packages (1 Hour 500, 1 Day 1,250.50,
1 Week 5,000), commission 7.5 % except the week at 300 fixed. Times are local (Africa/Dar es
Salaam, UTC+3): sale 4 at 00:30 on 2 October is still 1 October in UTC, so a day boundary in
the wrong time zone would show.

    #  site agent package method  sold (local)       amount    commission  refunded (local)
    1  A    one   Hour    cash    2026-10-01 09:00    500.00       37.50
    2  A    one   Day     mobile  2026-10-01 23:30   1250.50       93.79   2026-10-03 12:00
    3  A    one   Week    cash    2026-10-02 10:00   5000.00      300.00
    4  B    two   Hour    cash    2026-10-02 00:30    500.00       37.50
    5  B    two   Day     cash    2026-10-15 12:00   1250.50       93.79
    6  B    two   Hour    mobile  2026-11-03 08:00    500.00       37.50   2026-11-04 08:00

Remittances: agent one 2,000 on 5 October, agent two 1,000 on 20 October. Expenses (approved):
site A power 300 on 10 October, head office rent 1,000 on 11 October; a pending 5,000 at site B
that must not count.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from erp.accounts.roles import Role
from erp.finance.models import Expense
from erp.sales import services as sales
from erp.sales.models import CommissionRule, Refund, Remittance, Sale
from erp.vouchers import services as voucher_services
from tests.conftest import put_on_router

TZ = ZoneInfo("Africa/Dar_es_Salaam")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def sell(agent, package, method, when, **extra):
    sale, _ = sales.sell(
        seller=agent,
        idempotency_key=uuid.uuid4(),
        payment_method=method,
        payment_reference="MP-1" if method == "mobile" else "",
        package=package,
        **extra,
    )
    if when is not None:
        Sale.objects.filter(pk=sale.pk).update(sold_at=when)
        sale.refresh_from_db()
    return sale


def refund(sale, actor, when):
    made = sales.refund_sale(actor=actor, sale=sale, reason="customer unhappy")
    if when is not None:
        Refund.objects.filter(pk=made.pk).update(refunded_at=when)
    return made


@pytest.fixture
def shop(settings, make_router, make_user, users, admin_user):
    settings.TIME_ZONE = "Africa/Dar_es_Salaam"
    router_a, router_b = make_router(name="router-a"), make_router(name="router-b")
    site_a, site_b = router_a.site, router_b.site
    site_a.name, site_b.name = "Alpha", "Beta"
    site_a.save(update_fields=["name"])
    site_b.save(update_fields=["name"])
    one = make_user(Role.AGENT, username="one", first_name="Agent", last_name="One")
    two = make_user(Role.AGENT, username="two", first_name="Agent", last_name="Two")
    site_a.agents.add(one)
    site_b.agents.add(two)
    hour, day, week = (
        voucher_services.save_package(
            actor=admin_user,
            name=name,
            price=Decimal(price),
            validity_seconds=3600,
            sites=[site_a, site_b],
        )
        for name, price in (("1 Hour", "500"), ("1 Day", "1250.50"), ("1 Week", "5000"))
    )
    for router, agent in ((router_a, one), (router_b, two)):
        for package in (hour, day, week):
            batch = voucher_services.request_batch(
                actor=None,
                package=package,
                router=router,
                quantity=6,
                preapproved=True,
                agent=agent,
            )
            voucher_services.generate_batch(batch)
            put_on_router(batch)
    CommissionRule.objects.create(percent=Decimal("7.5"))
    CommissionRule.objects.create(package=week, fixed=Decimal("300"))

    s = [
        sell(one, hour, "cash", local(2026, 10, 1, 9)),
        sell(one, day, "mobile", local(2026, 10, 1, 23, 30)),
        sell(one, week, "cash", local(2026, 10, 2, 10)),
        sell(two, hour, "cash", local(2026, 10, 2, 0, 30)),
        sell(two, day, "cash", local(2026, 10, 15, 12)),
        sell(two, hour, "mobile", local(2026, 11, 3, 8)),
    ]
    refund(s[1], admin_user, local(2026, 10, 3, 12))
    refund(s[5], admin_user, local(2026, 11, 4, 8))
    finance = users[Role.FINANCE]
    for agent, amount, when in (
        (one, "2000", local(2026, 10, 5, 9)),
        (two, "1000", local(2026, 10, 20, 9)),
    ):
        Remittance.objects.create(
            agent=agent,
            amount=Decimal(amount),
            method="cash",
            received_by=finance,
            received_at=when,
        )
    for site, category, amount, day_, status in (
        (site_a, "power", "300", dt.date(2026, 10, 10), "approved"),
        (None, "rent", "1000", dt.date(2026, 10, 11), "approved"),
        (site_b, "repairs", "5000", dt.date(2026, 10, 12), "pending"),
    ):
        Expense.objects.create(
            site=site,
            category=category,
            amount=Decimal(amount),
            spent_on=day_,
            payee="x",
            status=status,
            recorded_by=finance,
        )
    return {
        "sites": {"A": site_a, "B": site_b},
        "agents": {"one": one, "two": two},
        "packages": {"hour": hour, "day": day, "week": week},
        "sales": s,
    }


@pytest.fixture
def repairs(settings, make_site):
    """Two sites with faults and downtime in 1–2 October 2026 (local), figured by hand.

    Period 1 October 00:00 – 3 October 00:00 local = 172,800 s.

    Alpha downtime: 30 Sep 22:00 – 1 Oct 02:00 (2 h inside), 06:00 – 09:00 and 08:00 – 10:00
    (overlap: 4 h once), 2 Oct 23:00 – 3 Oct 03:00 (1 h inside) = 7 h = 25,200 s → 85.417 %.
    Beta downtime: 2 Oct 12:00 – 12:36 (2,160 s) and still open since 2 Oct 22:00 (2 h inside
    by 3 Oct 00:00) = 9,360 s → 94.583 %.

    Faults open: Alpha critical (reported), major (assigned), major (repaired, unverified);
    Beta minor (reported). Closed in the period: Alpha 1 Oct 06:00 → restored 10:00 (4 h),
    2 Oct 08:00 → closed 10:00 without a restore time (2 h): MTTR 3 h; Beta 30 Sep 20:00 →
    restored 1 Oct 02:00 (6 h): MTTR 6 h. Beta's fault closed 3 Oct 01:00 is outside.
    """
    from erp.maintenance.models import Downtime, Fault

    settings.TIME_ZONE = "Africa/Dar_es_Salaam"
    alpha, beta = make_site(name="Alpha"), make_site(name="Beta")
    for site, started, ended in [
        (alpha, local(2026, 9, 30, 22), local(2026, 10, 1, 2)),
        (alpha, local(2026, 10, 1, 6), local(2026, 10, 1, 9)),
        (alpha, local(2026, 10, 1, 8), local(2026, 10, 1, 10)),
        (alpha, local(2026, 10, 2, 23), local(2026, 10, 3, 3)),
        (beta, local(2026, 10, 2, 12), local(2026, 10, 2, 12, 36)),
        (beta, local(2026, 10, 2, 22), None),
    ]:
        Downtime.objects.create(site=site, started_at=started, ended_at=ended)

    def fault(site, severity, status, reported, restored=None, closed=None):
        return Fault.objects.create(
            site=site,
            description=f"{severity} at {site.name}",
            severity=severity,
            status=status,
            reported_at=reported,
            restored_at=restored,
            closed_at=closed,
            due_at=reported + dt.timedelta(hours=24),
        )

    october = local(2026, 10, 2, 9)
    fault(alpha, "critical", "reported", october)
    fault(alpha, "major", "assigned", october)
    fault(alpha, "major", "repaired", october, restored=october)
    fault(beta, "minor", "reported", october)
    fault(alpha, "major", "closed", local(2026, 10, 1, 6), local(2026, 10, 1, 10), october)
    fault(alpha, "minor", "closed", local(2026, 10, 2, 8), None, local(2026, 10, 2, 10))
    fault(
        beta,
        "critical",
        "closed",
        local(2026, 9, 30, 20),
        local(2026, 10, 1, 2),
        local(2026, 10, 1, 3),
    )
    fault(beta, "major", "closed", local(2026, 10, 2, 1), None, local(2026, 10, 3, 1))
    return {"alpha": alpha, "beta": beta}
