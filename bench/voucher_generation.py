"""Benchmark: generating and storing 100,000 vouchers vs a raw binary COPY of as many rows.

On PostgreSQL. The baseline is a binary COPY of the same number of ready-made rows into a
scratch table shaped like the voucher table (its columns, none of its indexes); the measured
path is the real service, ``generate_batch``: codes drawn from the CSPRNG, then a binary COPY
into the voucher table (falling back to INSERT … ON CONFLICT when a code is taken). The scratch
table is made with ``LIKE voucher INCLUDING ALL``: same columns, defaults, constraints and
indexes, so both sides pay the same index upkeep. Target: at most 2× the baseline.

    DATABASE_URL=postgres://... python bench/voucher_generation.py --vouchers 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import Stopwatch, ratio  # noqa: E402 - after the path above


def run(count: int) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from erp.sites.services import create_router, create_site
    from erp.vouchers import codes, services
    from erp.vouchers.models import Package, Voucher, VoucherBatch

    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark needs PostgreSQL (set DATABASE_URL)")
    tag = uuid.uuid4().hex[:6].upper()
    site = create_site(actor=None, name=f"Bench {tag}", code=f"BENCH-{tag}")
    router = create_router(
        actor=None, site=site, name="bench", host="127.0.0.1", username="admin", password="bench"
    )
    package = services.save_package(
        actor=None, name=f"Bench {tag}", price=Decimal("1"), validity_seconds=3600, sites=[site]
    )
    batch = services.request_batch(
        actor=None, package=package, router=router, quantity=count, preapproved=True
    )
    table = Voucher._meta.db_table
    scratch = f"bench_scratch_{tag.lower()}"
    try:
        # Baseline: binary COPY of ready rows into a same-shaped scratch table.
        now = timezone.now()
        ready = [
            (c, "", batch.pk, package.pk, site.pk, router.pk, None, "unused", now)
            for c in codes.unique_codes(count, 11)
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
        with Stopwatch() as baseline, transaction.atomic(), connection.cursor() as cursor:
            # the same columns and types as the service's COPY
            columns = ", ".join(services.COPY_COLUMNS)
            with cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(services.COPY_TYPES)
                for row in ready:
                    copy.write_row(row)
        with Stopwatch() as generated:
            made = services.generate_batch(batch)
        assert made == count == Voucher.objects.filter(batch=batch).count()
        return {
            "vouchers": count,
            "copy_s": baseline.seconds,
            "generate_s": generated.seconds,
            "ratio": ratio(generated.seconds, baseline.seconds),
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        Voucher.objects.filter(batch=batch).delete()
        VoucherBatch.objects.filter(pk=batch.pk).delete()
        Package.objects.filter(pk=package.pk).delete()
        package.profile.delete()
        router.delete()
        site.delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--max-ratio", type=float, default=2.0)
    args = parser.parse_args()
    import django

    django.setup()
    result = run(args.vouchers)
    print(f"vouchers={result['vouchers']}")
    print(f"raw binary COPY:      {result['copy_s']:7.2f} s")
    print(f"generate and store:   {result['generate_s']:7.2f} s")
    print(f"ratio:                {result['ratio']:7.2f}x (target <= {args.max_ratio:g}x)")
    return 0 if result["ratio"] <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
