"""Benchmark: creating PortaBilling accounts for a batch, one request at a time vs bounded
parallel requests.

Both run the real service ``push_accounts`` (database reads and writes included) against the
PortaBilling simulator over real HTTP, with the same latency added before every answer
(default 50 ms, a billing server in another country), in the same run:

- baseline: ``parallel = 1`` (one request at a time);
- measured: ``parallel = --parallel`` (default 8).

    python bench/portabilling_push.py --accounts 1000 --latency 0.05

Uses the database of DATABASE_URL (migrated); creates a scratch site, router, package and two
batches and removes them afterwards. Exits 1 if the ratio is under --min-ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.serve import stop_server  # noqa: E402 - after the path above


def _count_remote(url: str, top: int) -> int:
    """How many accounts the simulator holds (the highest i_account it gave, from 1001)."""
    from erp.integrations.portabilling.client import PortaBillingClient

    client = PortaBillingClient(url, login="bench", password="bench-pass", timeout=10)
    try:
        return sum(1 for i in range(1001, 1001 + top + 5) if client.get_account_info(i_account=i))
    finally:
        client.close()


def run(*, accounts: int, latency: float, parallel: int = 8, verify: bool = False) -> dict:
    """Both pushes in one run; their seconds and the ratio (``verify``: also count, one call
    per account, the accounts the simulator holds)."""
    from erp.integrations.portabilling import services
    from erp.integrations.portabilling.models import PortaAccount, PortaBillingSite
    from erp.mikrotik.simulator import free_port, wait_for_port
    from erp.sites.models import Router, Site
    from erp.vouchers import services as vouchers
    from erp.vouchers.models import Package, Voucher, VoucherBatch

    # the server in a process of its own, as a billing server is (not sharing our GIL)
    port = free_port(1)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "portabilling_sim",
            "--port",
            str(port),
            "--login",
            "bench",
            "--password",
            "bench-pass",
            "--latency",
            str(latency),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not wait_for_port(port):
        server.kill()
        raise RuntimeError("the PortaBilling simulator did not start")
    url = f"http://127.0.0.1:{port}"
    tag = uuid.uuid4().hex[:6]
    site = Site.objects.create(name=f"bench-porta-{tag}", code=f"BP{tag[:4]}".upper())
    router = Router(site=site, name="bench", host="127.0.0.1", username="x")
    router.set_password("x")
    router.save()
    package = vouchers.save_package(
        actor=None,
        name=f"bench-porta-{tag}",
        price=Decimal("1000"),
        validity_seconds=3600,
        sites=[site],
    )
    config = PortaBillingSite(
        site=site,
        enabled=True,
        api_url=url,
        login="bench",
        i_customer=1,
        i_product=1,
        parallel=1,
        timeout_seconds=10,
    )
    config.set_password("bench-pass")
    config.save()
    batches = []
    try:
        figures = {}
        for width in (1, parallel):
            batch = vouchers.request_batch(
                actor=None, package=package, router=router, quantity=accounts, preapproved=True
            )
            vouchers.generate_batch(batch)
            batches.append(batch)
            PortaBillingSite.objects.filter(pk=config.pk).update(parallel=width)
            config.refresh_from_db()
            services.queue_batch(batch.pk)
            started = time.perf_counter()
            done = services.push_accounts(config)
            figures[width] = time.perf_counter() - started
            assert done["created"] == accounts, done
        return {
            "accounts": accounts,
            "serial_s": figures[1],
            "parallel_s": figures[parallel],
            "ratio": figures[1] / figures[parallel],
            "created_remote": _count_remote(url, accounts * 2) if verify else None,
        }
    finally:
        stop_server(server)
        PortaAccount.objects.filter(site=site).delete()
        PortaBillingSite.history.filter(site_id=site.pk).delete()
        PortaBillingSite.objects.filter(pk=config.pk).delete()
        Voucher.objects.filter(batch__in=batches).delete()
        VoucherBatch.objects.filter(pk__in=[b.pk for b in batches]).delete()
        router.delete()
        site.delete()
        Package.objects.filter(pk=package.pk).delete()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--min-ratio", type=float, default=4.0)
    args = parser.parse_args()

    import django

    django.setup()
    result = run(accounts=args.accounts, latency=args.latency, parallel=args.parallel)
    print(
        f"{args.accounts} accounts, {args.latency * 1000:.0f} ms latency: "
        f"one at a time {result['serial_s']:.2f} s, {args.parallel} parallel "
        f"{result['parallel_s']:.2f} s, ratio {result['ratio']:.1f}x"
    )
    return 0 if result["ratio"] >= args.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
