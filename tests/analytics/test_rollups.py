"""The rollups equal the raw aggregate after sales, after refunds, and after a rebuild."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics import rollups
from analytics.models import (
    AgentCarry,
    AgentDaily,
    AgentMonthly,
    ChannelDaily,
    PackageDaily,
    RollupState,
    SalesDaily,
    SiteDaily,
    SiteMonthly,
)
from erp.sales.models import Refund, Remittance, Sale
from tests.analytics.conftest import local, refund, sell

KEYS = {
    SalesDaily: ("site_id", "package_id", "payment_method"),
    AgentDaily: ("seller_id", "site_id", "package_id"),
    SiteDaily: ("site_id",),
    PackageDaily: ("package_id", "payment_method"),
    ChannelDaily: ("site_id", "channel"),
}


def raw(keys) -> dict:
    """Summed in Python from every raw sale and refund, by local day."""
    out = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0)])
    for sale in Sale.objects.all():
        row = out[(timezone.localtime(sale.sold_at).date(), *(getattr(sale, k) for k in keys))]
        row[0] += 1
        row[1] += sale.amount
        row[2] += sale.commission
    for r in Refund.objects.select_related("sale"):
        row = out[(timezone.localtime(r.refunded_at).date(), *(getattr(r.sale, k) for k in keys))]
        row[3] += 1
        row[4] += r.amount
        row[5] += r.commission_reversed
    return {k: tuple(v) for k, v in out.items()}


def rolled(model, keys) -> dict:
    out = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0)])
    for row in model.objects.all():
        acc = out[(row.day, *(getattr(row, k) for k in keys))]
        for i, f in enumerate(rollups.FIGURES):
            acc[i] += getattr(row, f)
    return {k: tuple(v) for k, v in out.items()}


def raw_months() -> dict:
    """Per (local month, seller): the six figures, then remittances counted and summed."""
    out = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0), 0, Decimal(0)])
    for (day, seller), figures in raw(("seller_id",)).items():
        acc = out[(day.replace(day=1), seller)]
        for i, value in enumerate(figures):
            acc[i] += value
    for r in Remittance.objects.all():
        acc = out[(timezone.localtime(r.received_at).date().replace(day=1), r.agent_id)]
        acc[6] += 1
        acc[7] += r.amount
    return {k: tuple(v) for k, v in out.items()}


def rolled_months() -> dict:
    names = (*rollups.FIGURES, "remittances_count", "remitted")
    return {
        (row.month, row.seller_id): tuple(getattr(row, f) for f in names)
        for row in AgentMonthly.objects.all()
    }


def site_months() -> tuple[dict, dict]:
    """SiteMonthly, and the raw figures per (local month, site)."""
    raw_out = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0)])
    for (day, site), figures in raw(("site_id",)).items():
        acc = raw_out[(day.replace(day=1), site)]
        for i, value in enumerate(figures):
            acc[i] += value
    rolled_out = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), Decimal(0)])
    for row in SiteMonthly.objects.all():
        acc = rolled_out[(row.month, row.site_id)]
        for i, f in enumerate(rollups.FIGURES):
            acc[i] += getattr(row, f)
    return dict(rolled_out), dict(raw_out)


def assert_equal():
    for model, keys in KEYS.items():
        assert rolled(model, keys) == raw(keys), model.__name__
    assert rolled_months() == raw_months()
    this_month = timezone.localdate().replace(day=1)  # balances carried from earlier months
    carried = defaultdict(Decimal)
    for m in AgentMonthly.objects.filter(month__lt=this_month):
        carried[m.seller_id] += m.owed
    assert {c.seller_id: c.owed for c in AgentCarry.objects.all()} == dict(carried)
    assert set(AgentCarry.objects.values_list("before", flat=True)) <= {this_month}
    for m in AgentMonthly.objects.all():  # the month's addition to the balance owed
        net_commission = m.commission - m.commission_reversed
        assert m.owed == m.sales_amount - m.refunds_amount - net_commission - m.remitted
    mine, theirs = site_months()
    assert {k: tuple(v) for k, v in mine.items()} == {k: tuple(v) for k, v in theirs.items()}


@pytest.mark.django_db
def test_refresh_follows_sales_and_refunds_and_rebuild_agrees(shop, admin_user):
    # Given the shop made an hour ago, the first refresh builds everything
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Sale.objects.update(created_at=an_hour_ago)
    Refund.objects.update(created_at=an_hour_ago)
    Remittance.objects.update(created_at=an_hour_ago)
    assert rollups.refresh() == []
    assert_equal()
    state = RollupState.objects.get()
    assert state.watermark is not None
    before = SalesDaily.objects.count()

    # When a sale (today) and a refund of an October sale happen, the refresh recomputes only
    # the days they touched
    one, hour = shop["agents"]["one"], shop["packages"]["hour"]
    new_sale = sell(one, hour, "cash", None)
    refund(shop["sales"][2], admin_user, None)
    days = rollups.refresh()
    assert days == [timezone.localdate()]
    assert_equal()
    assert SalesDaily.objects.filter(day=timezone.localdate()).exists()

    # A sale synced late from a phone, on an old day, is picked up too
    late = sell(shop["agents"]["two"], hour, "cash", local(2026, 9, 30, 12))
    # (today again too: within the overlap, rows seen last time are looked at once more)
    assert rollups.refresh() == [dt.date(2026, 9, 30), timezone.localdate()]
    assert_equal()

    # A remittance recorded today for a day in October recomputes that day and its month
    Sale.objects.update(created_at=an_hour_ago)
    Refund.objects.update(created_at=an_hour_ago)
    Remittance.objects.create(
        agent=one,
        amount=Decimal("750.25"),
        method="cash",
        received_by=admin_user,
        received_at=local(2026, 10, 31, 23, 30),  # still October locally, November in UTC
    )
    assert rollups.refresh() == [dt.date(2026, 10, 31)]
    assert_equal()
    october = AgentMonthly.objects.get(month=dt.date(2026, 10, 1), seller=one)
    assert (october.remittances_count, october.remitted) == (2, Decimal("2750.25"))

    # Once time has moved past the overlap, a refresh with nothing new touches nothing
    Remittance.objects.update(created_at=an_hour_ago)
    count = SalesDaily.objects.count()
    assert rollups.refresh() == []
    assert SalesDaily.objects.count() == count > before

    # And the rebuild command gives the same figures, whole or the last days only (nightly)
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_equal()
    SalesDaily.objects.filter(day__lt=dt.date(2026, 10, 1)).delete()  # older: left alone
    rollups.rebuild_all(days=(timezone.localdate() - dt.date(2026, 10, 5)).days)
    assert not SalesDaily.objects.filter(day__lt=dt.date(2026, 10, 1)).exists()
    assert rolled(SalesDaily, KEYS[SalesDaily]) == {
        k: v for k, v in raw(KEYS[SalesDaily]).items() if k[0] >= dt.date(2026, 10, 1)
    }
    call_command("rebuild_rollups", "--days", "3", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--days", "0")
    assert new_sale.pk and late.pk


@pytest.mark.django_db
def test_the_beat_jobs_are_scheduled():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["analytics.tasks.refresh_rollups"] is True
    assert tasks["analytics.tasks.rebuild_rollups"] is True


@pytest.mark.django_db(transaction=True)
def test_a_reader_does_not_queue_behind_a_running_refresh(postgres_only):
    """While another connection holds the rollup state (a refresh or the nightly rebuild
    running), refresh(wait=False) — what the finance exports call — returns at once and
    changes nothing; refresh() would wait for it. Once released, the reader refreshes."""
    import threading
    import time

    from django.db import connection, transaction

    from analytics.models import RollupState

    rollups.refresh()
    before = RollupState.objects.get().refreshed_at
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                RollupState.objects.select_for_update().get(name=rollups.STATE)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=hold)
    other.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        assert rollups.refresh(wait=False) == []
        assert time.monotonic() - started < 2
        assert RollupState.objects.get().refreshed_at == before  # nothing ran
    finally:
        release.set()
        other.join()
    rollups.refresh(wait=False)
    assert RollupState.objects.get().refreshed_at > before


@pytest.mark.django_db
def test_a_refresh_from_a_page_in_another_time_zone_keeps_the_installations_days(shop, admin_user):
    """The profit and statements reports refresh the rollups inside the request, where the
    site-time-zone middleware may have switched to a reader's zone (Dakar, UTC+0): the days
    stay TIME_ZONE's (Dar es Salaam), as every reader of the rollups takes them to be."""
    from zoneinfo import ZoneInfo

    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Sale.objects.update(created_at=an_hour_ago)
    Refund.objects.update(created_at=an_hour_ago)
    Remittance.objects.update(created_at=an_hour_ago)
    # Given a first refresh (the whole build) and a later one from a page read in Dakar
    with timezone.override(ZoneInfo("Africa/Dakar")):
        rollups.refresh()
        # sale 4 at 00:30 on 2 October in Dar es Salaam is 21:30 on 1 October in Dakar
        sell(shop["agents"]["two"], shop["packages"]["hour"], "cash", local(2026, 10, 9, 1))
        assert rollups.refresh() == [dt.date(2026, 10, 9)]
        rollups.rebuild_all(days=(timezone.localdate() - dt.date(2026, 10, 5)).days)
    # Then every rollup holds Dar es Salaam's days
    assert_equal()
    assert SalesDaily.objects.filter(day=dt.date(2026, 10, 2), site=shop["sites"]["B"]).exists()
