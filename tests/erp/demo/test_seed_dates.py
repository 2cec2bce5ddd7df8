"""`manage.py seed_demo` is the first thing a newcomer runs (`make run`): it must succeed on
every date, at any hour, in any time zone, and a second run must change nothing.

Given a clock set to each date of the matrix (every weekday, the first and last day of a month,
a leap day, New Year's Eve; both sides of midnight, a DST change, UTC+14 and UTC-8), when the
whole seed runs, then five weeks of sales exist up to that day, each sold from its own site's
stock, every package keeps stock for the POS, and the reports add up.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from erp.demo.management.commands import seed_demo
from tests.ports import free_port as _free_port

# (local date and time, time zone, what the date is for)
MATRIX = [
    ("2026-11-23 09:30", "Africa/Dar_es_Salaam", "Monday"),
    ("2026-11-24 14:00", "Africa/Dar_es_Salaam", "Tuesday"),
    ("2026-11-25 23:58", "Africa/Dar_es_Salaam", "Wednesday, before midnight"),
    ("2026-11-26 00:03", "Africa/Dar_es_Salaam", "Thursday, after midnight"),
    ("2026-11-27 18:00", "Africa/Dar_es_Salaam", "Friday"),
    ("2026-11-28 07:00", "Africa/Dar_es_Salaam", "Saturday"),
    ("2027-03-28 12:00", "Europe/Paris", "Sunday the clocks go forward"),
    ("2027-01-01 00:30", "Pacific/Kiritimati", "first day of a month, UTC+14"),
    ("2027-01-31 23:59", "Africa/Dar_es_Salaam", "last day of a month"),
    ("2028-02-29 12:00", "Africa/Dar_es_Salaam", "leap day"),
    ("2026-12-31 23:30", "America/Los_Angeles", "New Year's Eve, UTC-8"),
]


def _counts() -> dict[str, int]:
    """Rows of every table the project owns (what "changes nothing" is measured on)."""
    ours = ("erp", "workflows", "analytics")
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith(ours)
    }


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(("local", "zone", "why"), MATRIX, ids=[m[2] for m in MATRIX])
def test_seed_demo_succeeds_on_every_date(roles, settings, local, zone, why):
    from erp.mikrotik.models import HotspotUser
    from erp.sales.models import Sale
    from erp.vouchers.choices import BatchStatus
    from erp.vouchers.models import Voucher, VoucherBatch

    settings.TIME_ZONE = zone
    moment = dt.datetime.fromisoformat(local).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    with time_machine.travel(moment, tick=False):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        today = timezone.localdate()
        assert today == moment.date()

        # Five weeks of sales, on every day up to today and none later.
        sales = Sale.objects.select_related("voucher", "client", "seller")
        days = {timezone.localtime(s.sold_at).date() for s in sales}
        first = today - dt.timedelta(days=seed_demo.SALES_DAYS - 1)
        assert days == {first + dt.timedelta(days=n) for n in range(seed_demo.SALES_DAYS)}
        assert max(s.sold_at for s in sales) <= timezone.now()
        # Each sale is of its own site's voucher, by an agent of that site, to a client there.
        for sale in sales:
            assert sale.voucher.site_id == sale.site_id
            assert sale.site.agents.filter(pk=sale.seller_id).exists()
            assert sale.client is None or sale.client.site_id == sale.site_id
        # Every router keeps stock of every package for the POS after the demo sales.
        left = Counter(
            {
                (row["router"], row["package"]): row["n"]
                for row in Voucher.objects.filter(status="unused", agent__isnull=False)
                .values("router", "package")
                .annotate(n=Count("pk"))
            }
        )
        assert len(left) == len(seed_demo.SITES) * len(seed_demo.PACKAGES)
        assert set(left.values()) == {seed_demo.DEMO_STOCK_LEFT}
        # and office stock for the captive portal to sell online, each site's portal open
        office = Counter(
            Voucher.objects.filter(status="unused", agent__isnull=True).values_list(
                "router", "package"
            )
        )
        assert len(office) == len(seed_demo.SITES) * len(seed_demo.PACKAGES)
        assert set(office.values()) == {seed_demo.DEMO_ONLINE_STOCK}
        from erp.portal.models import PortalSettings

        assert PortalSettings.objects.filter(is_enabled=True, sells_online=True).count() == len(
            seed_demo.SITES
        )
        assert "Added:" in out.getvalue() and "sales" in out.getvalue()
        # a demo receipt tells the buyer which WiFi to join
        from erp.sales.receipts import receipt_text

        sale = sales.first()
        assert sale.site.wifi_name.startswith("ViorNet-")
        assert f"1. Join the WiFi {sale.site.wifi_name}" in receipt_text(sale, layout="80mm")
        # every demo voucher went to its router over the RouterOS API before any was sold
        assert set(VoucherBatch.objects.values_list("status", flat=True)) == {BatchStatus.READY}
        codes = Voucher.objects.values("code")
        pushed = HotspotUser.objects.filter(name__in=codes, synced_at__isnull=False)
        assert pushed.exclude(router_item_id="").count() == Voucher.objects.count()


@pytest.mark.django_db
def test_seed_demo_on_top_of_itself_changes_nothing_and_says_so(roles, settings):
    settings.TIME_ZONE = "Africa/Dar_es_Salaam"
    first_run = dt.datetime(2028, 2, 29, 10, 0, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(first_run, tick=False):
        call_command("seed_demo", stdout=StringIO())
        before = _counts()
    # the same day, and three days later: nothing is added either time
    for later in (first_run, first_run + dt.timedelta(days=3, hours=13)):
        with time_machine.travel(later, tick=False):
            out = StringIO()
            call_command("seed_demo", stdout=out)
            assert _counts() == before
            assert "nothing added, nothing changed" in out.getvalue()
            assert "Added:" not in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_follows_the_simulator_to_another_port(roles):
    from erp.sites.models import Router

    call_command("seed_demo", stdout=StringIO())
    first = int(os.environ["ROUTER_SIM_PORT"])  # the tests' free ports (conftest)
    ports = sorted(Router.objects.values_list("api_port", flat=True))
    assert ports == [first, first + 1, first + 2, first + 3]
    moved = _free_port(4)
    out = StringIO()
    call_command("seed_demo", "--router-port", str(moved), stdout=out)
    ports = sorted(Router.objects.values_list("api_port", flat=True))
    assert ports == [moved, moved + 1, moved + 2, moved + 3]
    assert "4 routers moved" in out.getvalue()
