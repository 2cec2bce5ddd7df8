"""Fill the database with realistic synthetic data at a chosen scale, with COPY (PostgreSQL).

Scale 1.0 is the design's target: 1,000 sites, 5,000 agents, 1,000,000 clients, 10,000,000
vouchers of which about 70 % sold over two years (a growth trend, weekly rhythm, sites of very
different sizes), 1 % of sales refunded, remittances, expenses, and two days of router samples.
Small tables go through bulk_create; the big ones (vouchers, clients, sales, refunds, samples)
through COPY. The rollups are rebuilt at the end. Voucher codes here are sequential
("G" + number), not drawn from the CSPRNG: this is load data, not stock.

    DATABASE_URL=postgres://... python bench/generate.py --scale 0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

FULL = {"sites": 1000, "agents": 5000, "clients": 1_000_000, "vouchers": 10_000_000}
PACKAGES = (
    ("G 1 Hour", "500", 3600, 40),
    ("G 1 Day", "1000", 86400, 35),
    ("G 1 Week", "5000", 7 * 86400, 18),
    ("G 1 Month", "15000", 30 * 86400, 7),
)
SOLD_SHARE = 0.7
REFUND_SHARE = 0.01
DAYS = 730


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def run(scale: float = 1.0, *, seed: int = 20261121, days: int = DAYS, quiet: bool = False) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from analytics import rollups
    from erp.accounts.models import User
    from erp.accounts.roles import Role
    from erp.core.crypto import encrypt
    from erp.sales.models import ReceiptCounter
    from erp.sites.models import Router, Site
    from erp.vouchers import services as voucher_services
    from erp.vouchers.choices import BatchStatus, VoucherStatus
    from erp.vouchers.models import Package, VoucherBatch

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL (COPY)")
    counts = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    counts["agents"] = max(counts["agents"], counts["sites"])
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    tag = uuid.uuid4().hex[:6].upper()
    rng = random.Random(f"{seed}-{tag}")  # a second run adds rows, never repeats ids

    def lap(name):
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 2)
        if not quiet:
            print(f"{name:>10}: {timings[name]:7.2f} s", flush=True)

    # --- small tables -----------------------------------------------------------------------
    with transaction.atomic():
        sites = Site.objects.bulk_create(
            Site(
                name=f"Site {tag} {i:04d}",
                code=f"G{tag}-{i:04d}",
                latitude=Decimal(f"{rng.uniform(-11.5, -1.0):.6f}"),
                longitude=Decimal(f"{rng.uniform(29.5, 40.0):.6f}"),
            )
            for i in range(counts["sites"])
        )
        weights = [rng.lognormvariate(0, 0.8) for _ in sites]
        secret = encrypt("bench-router-pass")
        routers = Router.objects.bulk_create(
            Router(
                site=s,
                name=f"r-{s.code}",
                host="127.0.0.1",
                username="admin",
                password_encrypted=secret,
                status=rng.choice(["up"] * 19 + ["down"]),
            )
            for s in sites
        )
        password = make_password("bench-agent-pass")
        agents = User.objects.bulk_create(
            User(
                username=f"g{tag.lower()}{i:05d}",
                first_name="Agent",
                last_name=f"{i:05d}",
                password=password,
            )
            for i in range(counts["agents"])
        )
        group = Group.objects.get(name=Role.AGENT)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=a.pk, group_id=group.pk) for a in agents
        )
        site_of = {a.pk: sites[i % len(sites)] for i, a in enumerate(agents)}
        Site.agents.through.objects.bulk_create(
            Site.agents.through(site_id=s.pk, user_id=a) for a, s in site_of.items()
        )
        packages = []
        for name, price, validity, _w in PACKAGES:
            package = Package.objects.filter(name=name).first() or voucher_services.save_package(
                actor=None, name=name, price=Decimal(price), validity_seconds=validity
            )
            packages.append(package)
        router_of = {r.site_id: r for r in routers}
        batches = VoucherBatch.objects.bulk_create(
            VoucherBatch(
                package=p,
                router=router_of[site_of[a.pk].pk],
                site=site_of[a.pk],
                quantity=1,
                agent=a,
                status=BatchStatus.READY,
                preapproved=True,
            )
            for a in agents
            for p in packages
        )
    batch_of = {(b.agent_id, b.package_id): b for b in batches}
    lap("small")

    # --- vouchers and sales -------------------------------------------------------------------
    site_index = {s.pk: i for i, s in enumerate(sites)}
    agent_weights = [weights[site_index[site_of[a.pk].pk]] for a in agents]
    pkg_weights = [w for *_x, w in PACKAGES]
    # days weighted by a growth trend and a weekly rhythm (Fridays and Saturdays busier)
    start_day = timezone.localdate() - dt.timedelta(days=days)
    day_list = [start_day + dt.timedelta(days=i) for i in range(days)]
    day_w = [
        (0.4 + 0.6 * i / days) * (1.3 if d.weekday() in (4, 5) else 1.0)
        for i, d in enumerate(day_list)
    ]
    cent = Decimal("0.01")
    commission_of = {
        p.pk: (Decimal(p.price) * Decimal("0.075")).quantize(cent, ROUND_HALF_UP) for p in packages
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM vouchers_voucher")
        first_id = cursor.fetchone()[0] + 1
    n_vouchers = counts["vouchers"]
    chosen_agents = rng.choices(agents, weights=agent_weights, k=n_vouchers)
    chosen_pkgs = rng.choices(packages, weights=pkg_weights, k=n_vouchers)
    sold_days = rng.choices(day_list, weights=day_w, k=n_vouchers)
    receipt = {s.pk: 0 for s in sites}
    sales_rows = []

    def vouchers():
        for i in range(n_vouchers):
            agent, package = chosen_agents[i], chosen_pkgs[i]
            batch, site = batch_of[(agent.pk, package.pk)], site_of[agent.pk]
            vid = first_id + i
            made = dt.datetime.combine(sold_days[i], dt.time(6), tzinfo=tz) - dt.timedelta(
                days=rng.randint(0, 20)
            )
            if rng.random() < SOLD_SHARE:
                sold = dt.datetime.combine(
                    sold_days[i], dt.time(rng.randint(6, 22), rng.randint(0, 59)), tzinfo=tz
                )
                expires = sold + dt.timedelta(seconds=package.validity_seconds)
                status = VoucherStatus.EXPIRED if expires < now else VoucherStatus.SOLD
                receipt[site.pk] += 1
                sales_rows.append((vid, site.pk, agent.pk, package.pk, sold, receipt[site.pk]))
            else:
                sold, expires, status = None, None, VoucherStatus.UNUSED
            yield (
                vid,
                f"G{tag}{vid:011d}",
                "",
                batch.pk,
                package.pk,
                site.pk,
                batch.router_id,
                agent.pk,
                status,
                sold,
                expires,
                made,
            )

    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "vouchers_voucher",
            [
                "id",
                "code",
                "password",
                "batch_id",
                "package_id",
                "site_id",
                "router_id",
                "agent_id",
                "status",
                "sold_at",
                "expires_at",
                "created_at",
            ],
            vouchers(),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('vouchers_voucher', 'id'), "
            "(SELECT max(id) FROM vouchers_voucher))"
        )
    lap("vouchers")

    price_of = {p.pk: Decimal(p.price) for p in packages}
    refunded = []

    def sales():
        for vid, site_id, agent_id, package_id, sold, number in sales_rows:
            sid = uuid.UUID(int=rng.getrandbits(128), version=4)
            price = price_of[package_id]
            mobile = rng.random() < 0.35
            if rng.random() < REFUND_SHARE:
                refunded.append(
                    (sid, price, commission_of[package_id], agent_id, sold + dt.timedelta(hours=2))
                )
            yield (
                sid,
                sold,
                sold,
                vid,
                site_id,
                agent_id,
                package_id,
                price,
                0,
                price,
                commission_of[package_id],
                "mobile" if mobile else "cash",
                f"MP{number}" if mobile else "",
                number,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                sold,
            )

    with transaction.atomic(), connection.cursor() as cursor:
        n_sales = _copy(
            cursor,
            "sales_sale",
            [
                "id",
                "created_at",
                "updated_at",
                "voucher_id",
                "site_id",
                "seller_id",
                "package_id",
                "price",
                "discount",
                "amount",
                "commission",
                "payment_method",
                "payment_reference",
                "receipt_number",
                "idempotency_key",
                "sold_at",
            ],
            sales(),
        )
        _copy(
            cursor,
            "sales_refund",
            [
                "id",
                "created_at",
                "updated_at",
                "sale_id",
                "amount",
                "commission_reversed",
                "reason",
                "refunded_by_id",
                "refunded_at",
            ],
            (
                (uuid.uuid4(), at, at, sid, price, com, "bench", agent, at)
                for sid, price, com, agent, at in refunded
            ),
        )
        ReceiptCounter.objects.bulk_create(
            [ReceiptCounter(site_id=k, last_number=v) for k, v in receipt.items()],
            update_conflicts=True,
            unique_fields=["site"],
            update_fields=["last_number"],
        )
    lap("sales")

    # --- clients and router samples ---------------------------------------------------------
    def clients():
        for i in range(counts["clients"]):
            agent = agents[i % len(agents)]
            at = now - dt.timedelta(days=rng.randint(0, days))
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                at,
                at,
                f"+2556{tag_digits}{i:07d}",
                "",
                "",
                "",
                site_of[agent.pk].pk,
                agent.pk,
                rng.random() < 0.6,
                now + dt.timedelta(hours=rng.randint(-200, 72)),
            )

    tag_digits = f"{rng.randint(0, 99):02d}"
    hours = 48
    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "clients_client",
            [
                "id",
                "created_at",
                "updated_at",
                "phone",
                "name",
                "mac_address",
                "notes",
                "site_id",
                "agent_id",
                "marketing_consent",
                "expires_at",
            ],
            clients(),
        )
        _copy(
            cursor,
            "mikrotik_routersample",
            ["router_id", "taken_at", "active_users", "rx_bytes", "tx_bytes"],
            (
                (
                    r.pk,
                    now - dt.timedelta(minutes=15 * k),
                    rng.randint(0, 60),
                    10**12 - k * rng.randint(10**6, 10**8),
                    10**11 - k * rng.randint(10**5, 10**7),
                )
                for r in routers
                for k in range(hours * 4)
            ),
        )
    lap("clients")

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rollups.rebuild_all()
    lap("rollups")
    total = round(time.perf_counter() - started, 1)
    result = {
        **counts,
        "sales": n_sales,
        "refunds": len(refunded),
        "seconds": total,
        "timings": timings,
    }
    if not quiet:
        print(result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10,000,000 vouchers")
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    run(args.scale, days=args.days)
