"""Voucher stock ageing, expiries and reminders, router activity, the headline figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from analytics import agents, network, overview, rollups, sales, vouchers
from analytics.filters import Filters
from analytics.models import RollupState, StockAge
from erp.clients.models import Client
from erp.mikrotik.models import RouterSample
from erp.sites.models import Router
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher, VoucherBatch, VoucherEvent

from .conftest import sell


@pytest.mark.django_db
def test_stock_ageing_per_agent(shop):
    now = timezone.now()
    one = shop["agents"]["one"]
    stock = Voucher.objects.filter(agent=one, status="unused").order_by("code")
    assert stock.count() == 18 - 3  # 6 of each package, 3 sold
    ids = list(stock.values_list("pk", flat=True))
    Voucher.objects.filter(pk__in=ids[:2]).update(created_at=now - dt.timedelta(days=10))
    Voucher.objects.filter(pk__in=ids[2:4]).update(created_at=now - dt.timedelta(days=100))
    # made 100 days ago, but handed to agent one 40 days ago: 31–90 days, not over 90
    Voucher.objects.filter(pk=ids[3]).update(assigned_at=now - dt.timedelta(days=40))
    everything = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))

    def ages(frame, agent):
        row = frame[frame["agent"] == agent.pk].iloc[0]
        return tuple(
            int(row[k]) for k in ("0–7 days", "8–30 days", "31–90 days", "over 90 days", "total")
        )

    rollups.refresh_stock()
    frame = agents.stock_aging(everything)
    assert ages(frame, one) == (11, 2, 1, 1, 15)
    assert frame.iloc[0]["agent"] == one.pk  # the oldest stock first
    assert agents.stock_aging(everything, top=1).to_dict() == frame.head(1).to_dict()
    # the package and agent choices narrow it; a sale leaves stock at the next refresh
    hours = Filters(
        start=everything.start,
        end=everything.end,
        agents=(one.pk,),
        packages=(shop["packages"]["hour"].pk,),
    )
    assert ages(agents.stock_aging(hours), one)[-1] == 5
    Voucher.objects.filter(pk=ids[0]).update(status="sold")
    rollups.refresh_stock()
    assert ages(agents.stock_aging(everything), one)[-1] == 14
    # the rollup equals the vouchers themselves
    assert sum(StockAge.objects.values_list("vouchers", flat=True)) == (
        Voucher.objects.filter(status="unused", agent__isnull=False).count()
    )


@pytest.mark.django_db
def test_expiring_vouchers_and_clients_to_remind(shop, make_client):
    now = timezone.now()
    sold = shop["sales"][0].voucher
    Voucher.objects.filter(pk=sold.pk).update(expires_at=now + dt.timedelta(hours=5))
    everything = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
    frame = vouchers.vouchers_expiring(everything, within=dt.timedelta(days=1), now=now)
    assert list(frame["code"]) == [sold.code]
    client = make_client(site=shop["sites"]["A"], marketing_consent=True)
    Client.objects.filter(pk=client.pk).update(expires_at=now + dt.timedelta(hours=2))
    frame = vouchers.clients_to_remind(everything, within=dt.timedelta(days=1), now=now)
    assert list(frame["phone"]) == [str(client.phone)] and bool(frame["marketing_consent"][0])


@pytest.mark.django_db
def test_router_activity_and_headline(shop):
    router = Router.objects.get(name="router-a")
    t0 = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    for minutes, users_, rx in ((0, 4, 1000), (20, 6, 3000), (40, 8, 7000), (60, 2, 500)):
        RouterSample.objects.create(
            router=router,
            taken_at=t0 + dt.timedelta(minutes=minutes),
            active_users=users_,
            rx_bytes=rx,
            tx_bytes=rx * 2,
        )
    # a health sample (no users, no counters) counts in neither the mean nor the traffic
    RouterSample.objects.create(router=router, taken_at=t0 + dt.timedelta(minutes=30))
    quiet = Router.objects.get(name="router-b")
    RouterSample.objects.create(router=quiet, taken_at=t0, active_users=1, rx_bytes=5)
    rollups.rebuild_all()
    today = timezone.localdate()
    period = Filters(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
    frame = network.router_activity(period)
    mine = frame[frame["router_name"] == "router-a"]
    assert [(r.active_users, r.rx_bytes, r.tx_bytes) for r in mine.itertuples()] == [
        (6.0, 6000, 12000),
        (2.0, 0, 0),
    ]
    assert list(mine["at"]) == [t0, t0 + dt.timedelta(hours=1)]
    # the busiest router only; daily buckets beyond a week (one day: 4 samples, users 5)
    assert set(network.router_activity(period, busiest=1)["router_name"]) == {"router-a"}
    month = Filters(start=today - dt.timedelta(days=20), end=today + dt.timedelta(days=1))
    days = network.router_activity(month, busiest=1)
    same_day = (
        timezone.localtime(t0).date() == timezone.localtime(t0 + dt.timedelta(hours=1)).date()
    )
    expected = [(5.0, 6500)] if same_day else [(6.0, 6000), (2.0, 0)]  # around midnight
    assert [(r.active_users, r.rx_bytes) for r in days.itertuples()] == expected
    # a sample taken now is in the figures after the next refresh (samples are stamped when
    # taken, so the refresh looks at the hours since its watermark)
    now = timezone.now()
    RouterSample.objects.create(router=quiet, taken_at=now, active_users=40, rx_bytes=9)
    assert set(network.router_activity(period, busiest=1)["router_name"]) == {"router-a"}
    rollups.refresh()
    later = network.router_activity(period, busiest=1)
    assert set(later["router_name"]) == {"router-b"}
    assert later["active_users"].iloc[-1] == 40.0
    Router.objects.filter(pk=router.pk).update(status="down")
    RouterSample.objects.create(router=router, taken_at=timezone.now(), active_users=9)
    rollups.rebuild_all()
    head = overview.headline(period, today=dt.date(2026, 10, 2))
    assert list(head["period"]) == ["today", "week", "month"]
    assert list(head["revenue"]) == [D("5500.00"), D("7250.50"), D("7250.50")]
    assert list(head["sales"]) == [2, 4, 4]
    # the dashboard hands in the days it already read: the same figures
    read = sales.revenue_by_day(Filters(start=dt.date(2026, 9, 3), end=dt.date(2026, 10, 3)))
    given = overview.headline(period, today=dt.date(2026, 10, 2), daily=read)
    assert given[["period", "sales", "revenue", "net"]].equals(
        head[["period", "sales", "revenue", "net"]]
    )
    assert set(head["active_users"]) == {9 + 40} and set(head["sites_down"]) == {1}


def _stock_rows() -> dict:
    """StockAge as {agent: {(site, package, bucket, vouchers): row id}}."""
    out: dict = {}
    for pk, agent, site, package, bucket, n in StockAge.objects.values_list(
        "pk", "agent", "site", "package", "bucket", "vouchers"
    ):
        out.setdefault(agent, {})[(site, package, bucket, n)] = pk
    return out


def _held() -> dict:
    """Unsold vouchers per agent, from the vouchers themselves."""
    out: dict = {}
    for agent in Voucher.objects.filter(status="unused", agent__isnull=False).values_list(
        "agent", flat=True
    ):
        out[agent] = out.get(agent, 0) + 1
    return out


@pytest.mark.django_db
def test_refresh_recomputes_the_stock_of_the_agents_touched_only(shop, admin_user):
    """After the day's first (whole) refresh, a refresh rewrites only the StockAge rows of the
    agents who sold, had a voucher voided or assigned, or got a batch; a transfer or a return
    (previous holder unknown) and a new day recompute everyone. Each time the rollup equals
    the vouchers."""
    one, two = shop["agents"]["one"], shop["agents"]["two"]
    hour = shop["packages"]["hour"]

    def totals() -> dict:
        return {a: sum(k[3] for k in rows) for a, rows in _stock_rows().items()}

    def an_hour_ago() -> None:
        """What happened so far happened an hour ago (else the refresh's ten-minute overlap,
        for late commits, would count it again)."""
        earlier = timezone.now() - dt.timedelta(hours=1)
        VoucherEvent.objects.update(at=earlier)
        VoucherBatch.objects.update(updated_at=earlier)

    an_hour_ago()
    rollups.refresh()
    before = _stock_rows()
    assert totals() == _held() == {one.pk: 15, two.pk: 15}

    sell(one, hour, "cash", None)
    rollups.refresh()
    after = _stock_rows()
    assert totals() == _held() == {one.pk: 14, two.pk: 15}
    assert after[two.pk] == before[two.pk]  # the same rows: agent two was not rewritten
    assert set(after[one.pk].values()).isdisjoint(before[one.pk].values())

    # a void and a new batch for agent two; agent one untouched
    an_hour_ago()
    voucher_services.void_voucher(
        actor=admin_user,
        voucher=Voucher.objects.filter(agent=two, status="unused").first(),
        reason="card torn",
    )
    batch = voucher_services.request_batch(
        actor=None,
        package=hour,
        router=Router.objects.get(name="router-b"),
        quantity=4,
        preapproved=True,
        agent=two,
    )
    voucher_services.generate_batch(batch)
    rollups.refresh()
    assert totals() == _held() == {one.pk: 14, two.pk: 18}
    assert _stock_rows()[one.pk] == after[one.pk]

    # a transfer does not record the previous holder: everyone is recomputed
    site_b = shop["sites"]["B"]
    site_b.agents.add(one)
    before = _stock_rows()
    moved = voucher_services.assign_to_agent(
        actor=admin_user,
        agent=one,
        vouchers=Voucher.objects.filter(
            pk__in=Voucher.objects.filter(agent=two, status="unused", package=hour).values_list(
                "pk", flat=True
            )[:3]
        ),
    )
    assert moved == 3
    rollups.refresh()
    assert totals() == _held() == {one.pk: 17, two.pk: 15}
    assert set(_stock_rows()[two.pk].values()).isdisjoint(before[two.pk].values())

    # a new day: the buckets move at midnight, so the day's first refresh is whole again
    RollupState.objects.update(stock_day=timezone.localdate() - dt.timedelta(days=1))
    before = _stock_rows()
    rollups.refresh()
    assert set(_stock_rows()[one.pk].values()).isdisjoint(before[one.pk].values())
    assert RollupState.objects.get().stock_day == timezone.localdate()


@pytest.mark.django_db
def test_access_ending_per_local_day(shop, make_client):
    """At 10:00 on 22 November (local, UTC+3): two vouchers end today (one at 23:30 local,
    20:30 UTC), one at 00:30 local tomorrow (still the 22nd in UTC); clients end today (with
    consent), tomorrow (without) and in eight days (outside the week). Each falls on its local
    day; the reminder list holds the consenting client only."""
    from .conftest import local

    now = local(2026, 11, 22, 10)
    sold = [s.voucher for s in shop["sales"]]
    for voucher, ends in (
        (sold[0], local(2026, 11, 22, 12)),
        (sold[2], local(2026, 11, 22, 23, 30)),
        (sold[3], local(2026, 11, 23, 0, 30)),
        (sold[4], local(2026, 11, 22, 9)),  # already over: not counted
    ):
        Voucher.objects.filter(pk=voucher.pk).update(status="active", expires_at=ends)
    site = shop["sites"]["A"]
    for consent, ends in (
        (True, local(2026, 11, 22, 18)),
        (False, local(2026, 11, 23, 8)),
        (True, local(2026, 11, 30, 8)),
    ):
        client = make_client(site=site, marketing_consent=consent)
        Client.objects.filter(pk=client.pk).update(expires_at=ends)
    week = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
    frame = vouchers.expiring_by_day(week, days=7, now=now)
    assert [tuple(r) for r in frame.itertuples(index=False)][:3] == [
        (dt.date(2026, 11, 22), 2, 1, 1),
        (dt.date(2026, 11, 23), 1, 1, 0),
        (dt.date(2026, 11, 24), 0, 0, 0),
    ]
    assert len(frame) == 7 and frame["clients"].sum() == 2
    # site B's agent two sold sale 4: choosing site B leaves that voucher alone
    only_b = Filters(start=week.start, end=week.end, sites=(shop["sites"]["B"].pk,))
    assert list(vouchers.expiring_by_day(only_b, now=now)["vouchers"][:2]) == [0, 1]
    remind = vouchers.clients_to_remind(
        week, within=dt.timedelta(days=2), now=now, consented_only=True
    )
    assert len(remind) == 1 and bool(remind["marketing_consent"][0])
