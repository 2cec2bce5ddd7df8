"""Benchmark: the 5-minute rollup refresh after a few minutes of selling, whole vs incremental.

On a filled database (bench/generate.py), inside one transaction that is rolled back at the
end (the database is left as it was): the day's first refresh (StockAge recomputed whole) is
the baseline; then N agents each sell one voucher through the real POS service
(erp.sales.services.sell) and the next refresh runs, which recomputes the touched day, its
month and only those agents' stock. Prints both, the stock step alone both ways, and the ratio.
Then the statements report for every agent over the last 30 days (it refreshes the rollups and
reads the Agents dashboard's function) beside the same statements summed from the raw sales,
refunds and remittances (erp.sales.services.statements).

    DATABASE_URL=postgres://... python bench/rollup_jobs.py --agents 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import clock, ratio  # noqa: E402 - after the path above


class Rollback(Exception):
    """Raised to roll the benchmark's transaction back."""


def run(agents: int, repeats: int) -> dict:
    """Medians in seconds ("whole", "incremental", "stock whole", "stock incremental") and
    "checks": per round, the sellers seen as changed and StockAge against the vouchers."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from analytics import rollups
    from analytics.filters import local_midnight
    from analytics.models import RollupState, StockAge
    from analytics.reports import statements_report
    from erp.accounts.models import User
    from erp.mikrotik.models import HotspotUser
    from erp.sales.services import sell, statements
    from erp.vouchers.models import Voucher

    figures: dict[str, list[float]] = {"whole": [], "incremental": [], "stock whole": []}
    figures["stock incremental"] = []
    figures["statements raw"], figures["statements report"] = [], []
    checks: list[dict] = []
    try:
        with transaction.atomic():
            # agents holding stock, a different few each round
            holders = list(
                Voucher.objects.filter(status="unused", agent__isnull=False)
                .values_list("agent", flat=True)
                .distinct()[: agents * repeats]
            )
            if len(holders) < agents * repeats:
                raise SystemExit(f"only {len(holders)} agents hold stock; fill the database first")
            admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
                "bench-admin", password="bench-Admin-pass-1"
            )
            agent_ids = list(User.objects.filter(groups__name="Agent").values_list("pk", flat=True))
            today = timezone.localdate() + dt.timedelta(days=1)
            first = today - dt.timedelta(days=30)
            lo, hi = (local_midnight(d) for d in (first, today))
            for round_ in range(repeats):
                RollupState.objects.update(stock_day=None)  # as on a new day: stock whole
                figures["whole"].append(clock(rollups.refresh))
                figures["stock whole"].append(clock(rollups.refresh_stock))
                chosen = holders[round_ * agents : (round_ + 1) * agents]
                for seller in User.objects.filter(pk__in=chosen):
                    voucher = (
                        Voucher.objects.filter(agent=seller, status="unused")
                        .only("code", "router_id")
                        .order_by()[:1]  # any of theirs (the default order walks all stock)
                        .get()
                    )
                    # the generated shop has no hotspot users: this one's push, acknowledged
                    HotspotUser.objects.get_or_create(
                        router_id=voucher.router_id,
                        name=voucher.code,
                        defaults={"sync_state": "synced", "synced_at": timezone.now()},
                    )
                    sell(
                        seller=seller,
                        idempotency_key=uuid.uuid4(),
                        payment_method="cash",
                        code=voucher.code,
                    )
                figures["incremental"].append(clock(rollups.refresh))
                changed = rollups.stock_changed_since(timezone.now() - rollups.OVERLAP) or set()
                figures["stock incremental"].append(clock(rollups.refresh_stock, None, changed))
                held = Voucher.objects.filter(status="unused", agent__in=chosen).count()
                rolled = sum(
                    StockAge.objects.filter(agent__in=chosen).values_list("vouchers", flat=True)
                )
                figures["statements raw"].append(clock(statements, agent_ids, start=lo, end=hi))
                figures["statements report"].append(
                    clock(statements_report, actor=admin, start=first, end=today)
                )
                seen = set(chosen) <= changed
                checks.append({"sellers_seen": seen, "held": held, "rolled": rolled})
            raise Rollback
    except Rollback:
        pass
    medians = {name: statistics.median(values) for name, values in figures.items()}
    return {**medians, "checks": checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50, help="agents selling between runs")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.agents < 1 or args.repeats < 1:
        parser.error("--agents and --repeats must be at least 1")
    got = run(args.agents, args.repeats)
    for check in got.pop("checks"):
        if not check["sellers_seen"] or check["held"] != check["rolled"]:
            raise SystemExit(f"the incremental stock is wrong: {check}")
    print(f"{args.agents} agents selling one voucher each, median of {args.repeats}")
    for name, seconds in got.items():
        print(f"  {name:>18}: {seconds * 1000:10.1f} ms")
    for label, measured, baseline in (
        ("refresh ratio (whole / incremental):", "whole", "incremental"),
        ("stock ratio (whole / incremental):  ", "stock whole", "stock incremental"),
        ("statements ratio (raw / report):    ", "statements raw", "statements report"),
    ):
        print(f"  {label} {ratio(got[measured], got[baseline]):.1f}×")


if __name__ == "__main__":
    main()
